package p2p

import (
	"context"
	"fmt"
	"net"
	"strings"
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

// A host given Announce tells peers those addresses and no other: a peer
// that only learnt it through identify (it was dialled) finds it again by
// the DNS name, which libp2p resolves when it dials.
func TestHostAnnouncedDNSAddrIsDialled(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	key, err := identity.LoadOrCreate(t.TempDir()+"/identity.key", "")
	if err != nil {
		t.Fatal(err)
	}
	dns := fmt.Sprintf("/dns4/localhost/tcp/%d", port)
	self, _ := peer.IDFromPrivateKey(key)
	announced, _, err := NewHost(HostConfig{Key: key, NetworkKey: testNetKey, ListenHost: "127.0.0.1", Port: port,
		Announce: []string{dns + "/p2p/" + self.String()}})
	if err != nil {
		t.Fatal(err)
	}
	defer announced.Close()
	if got := fmt.Sprint(announced.Addrs()); got != "["+dns+"]" {
		t.Fatalf("host announces %s, want only %s", got, dns)
	}

	other := newBareHost(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := announced.Connect(ctx, hostInfo(other)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "identify to give the peer the DNS address", func() bool {
		return fmt.Sprint(other.Peerstore().Addrs(announced.ID())) == "["+dns+"]"
	})
	if err := other.Network().ClosePeer(announced.ID()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the connection to close", func() bool {
		return len(other.Network().ConnsToPeer(announced.ID())) == 0
	})
	if err := other.Connect(ctx, peer.AddrInfo{ID: announced.ID()}); err != nil {
		t.Fatalf("dialling the announced name: %v", err)
	}
	conns := other.Network().ConnsToPeer(announced.ID())
	if len(conns) == 0 || conns[0].RemoteMultiaddr().String() != fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port) {
		t.Fatalf("connections %v, want one to 127.0.0.1:%d", conns, port)
	}
}

// An announced address naming another peer is refused, naming it.
func TestHostAnnounceOfAnotherPeerRefused(t *testing.T) {
	key, err := identity.LoadOrCreate(t.TempDir()+"/identity.key", "")
	if err != nil {
		t.Fatal(err)
	}
	other := newBareHost(t, 0)
	addr := "/dns4/peer-1/tcp/4001/p2p/" + other.ID().String()
	_, _, err = NewHost(HostConfig{Key: key, NetworkKey: testNetKey, ListenHost: "127.0.0.1", Announce: []string{addr}})
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("announce of another peer: %v, want an error naming %s", err, addr)
	}
}
