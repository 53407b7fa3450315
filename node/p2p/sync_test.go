package p2p

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/identity"
	"github.com/devchain/devchain/node/wire"
)

func TestSyncAndRelay(t *testing.T) {
	a, b := newTestNode(t, testParams), newTestNode(t, testParams)
	a.mine(t, 30)
	b.connect(t, a)
	waitFor(t, 20*time.Second, "b to sync a's 30 blocks", func() bool { return b.tip() == a.tip() })
	if a.sync.PeerCount() != 1 || b.sync.PeerCount() != 1 {
		t.Fatalf("peer counts %d, %d; want 1, 1", a.sync.PeerCount(), b.sync.PeerCount())
	}
	b.mine(t, 1)
	waitFor(t, 15*time.Second, "a to receive b's new block", func() bool { return a.tip() == b.tip() })
	if a.height() != 31 {
		t.Fatalf("a at height %d, want 31", a.height())
	}
}

// A block whose parent is unknown makes the node ask the sender for the
// missing ancestors (getblocks with its locator).
func TestOrphanRequestsAncestors(t *testing.T) {
	src := newTestNode(t, testParams)
	src.mine(t, 5)
	orphan, err := src.chain.BlockAt(5)
	if err != nil {
		t.Fatal(err)
	}
	dst := newTestNode(t, testParams)

	// A bare host speaking the protocol by hand, claiming no work so the
	// node does not sync from it on its own.
	key, _ := identity.LoadOrCreate(t.TempDir()+"/raw.key", "")
	raw, _, err := NewHost(HostConfig{Key: key, NetworkKey: testNetKey, ListenHost: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := raw.Connect(ctx, dst.info()); err != nil {
		t.Fatal(err)
	}
	st, err := raw.NewStream(ctx, dst.host.ID(), ProtocolID)
	if err != nil {
		t.Fatal(err)
	}
	st.SetDeadline(time.Now().Add(10 * time.Second))
	for _, m := range []wire.Message{
		&wire.Version{Protocol: wire.ProtocolVersion, Genesis: dst.chain.Genesis(), TotalWork: big.NewInt(0)},
		&wire.Verack{},
		&wire.Block{Block: orphan},
	} {
		if err := wire.WriteMessage(st, m); err != nil {
			t.Fatal(err)
		}
	}
	for {
		m, err := wire.ReadMessage(st)
		if err != nil {
			t.Fatalf("no getblocks after an orphan: %v", err)
		}
		if gb, ok := m.(*wire.GetBlocks); ok {
			if len(gb.Locator) == 0 || gb.Locator[0] != dst.chain.Genesis() {
				t.Fatalf("getblocks locator %x, want the node's chain (genesis)", gb.Locator)
			}
			return
		}
	}
}

// A fresh node syncing from three peers at once, while new blocks are
// relayed mid-sync, ends on the full chain.
func TestSyncFromSeveralPeersWhileMining(t *testing.T) {
	a := newTestNode(t, testParams)
	a.mine(t, 2*MaxBlocksPerInv+17)
	b, c := newTestNode(t, testParams), newTestNode(t, testParams)
	b.connect(t, a)
	c.connect(t, a)
	waitFor(t, 90*time.Second, "b and c to sync", func() bool { return b.tip() == a.tip() && c.tip() == a.tip() })

	d := newTestNode(t, testParams)
	for _, n := range []*testNode{a, b, c} {
		d.connect(t, n)
	}
	a.mine(t, 2)
	waitFor(t, 90*time.Second, "the fresh node to reach the tip", func() bool {
		return d.tip() == a.tip() && b.tip() == a.tip() && c.tip() == a.tip()
	})
	if d.height() != 2*MaxBlocksPerInv+19 {
		t.Fatalf("fresh node at height %d", d.height())
	}
}

// What the node connects or accepts while a peer's handshake is under way
// reaches that peer once the handshake completes: the version the node sent
// named its older tip, so a peer that took it at its word would believe it
// had caught up and never ask for the new blocks.
func TestBlocksConnectedDuringHandshakeAreAnnounced(t *testing.T) {
	n := newTestNode(t, testParams)
	n.mine(t, 2)
	blocks := make(chan chain.Hash, 64)
	dialCraftedWith(t, n, big.NewInt(0), func() { n.mine(t, 1) }, func(_ *crafted, m wire.Message) {
		if inv, ok := m.(*wire.Inv); ok {
			for _, it := range inv.Items {
				if it.Type == wire.InvBlock {
					blocks <- chain.Hash(it.Hash)
				}
			}
		}
	})
	want := n.tip()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case h := <-blocks:
			if h == want {
				return
			}
		case <-deadline:
			t.Fatalf("block %s, connected during the handshake, was never announced to the peer", want)
		}
	}
}
