package p2p

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/devchain/devchain/node/identity"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

func newBareHost(t testing.TB, maxConns int) host.Host {
	t.Helper()
	key, err := identity.LoadOrCreate(t.TempDir()+"/identity.key", "")
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := NewHost(HostConfig{Key: key, NetworkKey: testNetKey, ListenHost: "127.0.0.1", MaxConns: maxConns})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func hostInfo(h host.Host) peer.AddrInfo { return peer.AddrInfo{ID: h.ID(), Addrs: h.Addrs()} }

// A host with a cap of 3 connections that 8 hosts dial at once holds 3,
// never more, and cannot dial out while full: the limit refuses
// connections as they open instead of trimming them afterwards.
func TestHostConnCapRefusesBeyondMax(t *testing.T) {
	const maxConns, dialers = 3, 8
	capped := newBareHost(t, maxConns)
	w := WatchConns(capped)
	defer w.Close()
	var wg sync.WaitGroup
	for range dialers {
		d := newBareHost(t, 0)
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = d.Connect(ctx, hostInfo(capped)) // refused ones fail; counted below
		})
	}
	wg.Wait()
	waitFor(t, 10*time.Second, "the capped host to fill up", func() bool { return w.Open() == maxConns })
	if m := w.Max(); m != maxConns {
		t.Fatalf("max connections %d, want exactly the cap %d", m, maxConns)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := capped.Connect(ctx, hostInfo(newBareHost(t, 0))); err == nil {
		t.Fatal("a full host dialled out past its cap")
	}
	if m := w.Max(); m != maxConns {
		t.Fatalf("max connections %d after dialling out, want %d", m, maxConns)
	}
}
