package p2p

import (
	"context"
	"crypto/rand"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/devchain/devchain/node/identity"
	"github.com/devchain/devchain/node/wire"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
)

// crafted is a bare libp2p host on the test network that speaks the sync
// protocol by hand, as an attacker (or a slow peer) would: it completes
// the handshake claiming work, then does what the test says with each
// message the node sends.
type crafted struct {
	host host.Host
	st   network.Stream
	wmu  sync.Mutex
	done chan struct{} // closed when the node ends the stream
}

func dialCrafted(t *testing.T, n *testNode, work *big.Int, onMsg func(c *crafted, m wire.Message)) *crafted {
	t.Helper()
	return dialCraftedWith(t, n, work, nil, onMsg)
}

// dialCraftedWith is dialCrafted that, when beforeVerack is not nil, waits
// for the node's version and verack and calls beforeVerack before sending
// its own verack: the node has then sent the tip it had, and counts the
// peer only once the verack arrives.
func dialCraftedWith(t *testing.T, n *testNode, work *big.Int, beforeVerack func(), onMsg func(c *crafted, m wire.Message)) *crafted {
	t.Helper()
	h, st := rawStream(t, n)
	c := &crafted{host: h, st: st, done: make(chan struct{})}
	if err := c.send(&wire.Version{Protocol: wire.ProtocolVersion, Genesis: n.chain.Genesis(), TotalWork: work}); err != nil {
		t.Fatal(err)
	}
	if beforeVerack != nil {
		_ = st.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			m, err := wire.ReadMessage(st)
			if err != nil {
				t.Fatalf("handshake with the node: %v", err)
			}
			if _, ok := m.(*wire.Verack); ok {
				break
			}
		}
		_ = st.SetReadDeadline(time.Time{})
		beforeVerack()
	}
	if err := c.send(&wire.Verack{}); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.done)
		for {
			m, err := wire.ReadMessage(st)
			if err != nil {
				return
			}
			if p, ok := m.(*wire.Ping); ok {
				_ = c.send(&wire.Pong{Nonce: p.Nonce})
				continue
			}
			if onMsg != nil {
				onMsg(c, m)
			}
		}
	}()
	waitFor(t, 10*time.Second, "the node to count the crafted peer", func() bool { return n.sync.PeerCount() >= 1 })
	return c
}

// rawStream connects a host of its own to n and opens a sync stream on
// which the test speaks the protocol by hand.
func rawStream(t *testing.T, n *testNode) (host.Host, network.Stream) {
	t.Helper()
	key, err := identity.LoadOrCreate(t.TempDir()+"/crafted.key", "")
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := NewHost(HostConfig{Key: key, NetworkKey: testNetKey, ListenHost: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Connect(ctx, n.info()); err != nil {
		t.Fatal(err)
	}
	st, err := h.NewStream(ctx, n.host.ID(), ProtocolID)
	if err != nil {
		t.Fatal(err)
	}
	return h, st
}

func (c *crafted) send(m wire.Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.st.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return wire.WriteMessage(c.st, m)
}

func (c *crafted) closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// fakeHashes are announcements of things that do not exist.
func fakeHashes(n int, typ wire.InvType) []wire.InvVect {
	items := make([]wire.InvVect, n)
	for i := range items {
		items[i].Type = typ
		_, _ = rand.Read(items[i].Hash[:])
	}
	return items
}

// score reads a connected peer's misbehaviour score (-1 if not connected).
func (n *testNode) score(c *crafted) int {
	n.sync.mu.Lock()
	defer n.sync.mu.Unlock()
	if p := n.sync.peers[c.host.ID()]; p != nil {
		return p.score
	}
	return -1
}
