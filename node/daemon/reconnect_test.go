package daemon

import (
	"context"
	"testing"
	"time"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/miner"
)

func saved(t testing.TB, n *Node, other *Node) bool {
	recs, err := n.peers.List()
	if err != nil {
		t.Fatalf("peer DB: %v", err)
	}
	for _, r := range recs {
		if r.ID == other.Host.ID() && len(r.Addrs) > 0 {
			return true
		}
	}
	return false
}

// The tutorial's demo: B stops, a block is minted into B's data offline,
// the bootstrap is stopped, B starts again, reports connected_via peerdb,
// and A receives B's block.
func TestReconnectFromPeerDB(t *testing.T) {
	b := startBootstrap(t)
	a := startNode(t, testConfig(t, "a", b.Addrs()...))
	cfgB := testConfig(t, "b", b.Addrs()...)
	nb := startNode(t, cfgB)
	waitFor(t, 30*time.Second, "a and b to connect", func() bool { return allPeers(1, a, nb) })
	waitFor(t, 15*time.Second, "b to save a in its peer DB", func() bool { return saved(t, nb, a) })
	if err := nb.Close(); err != nil {
		t.Fatalf("stop b: %v", err)
	}
	if addr, _ := controlapi.ReadAddrFile(cfgB.DataDir); addr != "" {
		t.Fatalf("rpc.addr still names %s after a clean stop", addr)
	}

	// Offline mint into B's data dir.
	c, err := blockchain.Open(cfgB.DataDir, testParams)
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := miner.MineBlocks(context.Background(), c, [20]byte{7}, 1, nil)
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("stop bootstrap: %v", err)
	}

	nb = startNode(t, cfgB)
	waitFor(t, 15*time.Second, "b to reconnect", func() bool { return nb.Sync.PeerCount() == 1 })
	if via := nb.status(t).ConnectedVia; via != controlapi.ViaPeerDB {
		t.Fatalf("connected_via = %q, want peerdb", via)
	}
	waitFor(t, 15*time.Second, "a to receive b's offline block", func() bool { return a.tip() == blocks[0].Hash() })
}

// A node that reconnected from its peer DB still joins the rendezvous, so
// a node that arrives later finds it.
func TestPeerDBStartKeepsRendezvous(t *testing.T) {
	b := startBootstrap(t)
	a := startNode(t, testConfig(t, "a", b.Addrs()...))
	cfgB := testConfig(t, "b", b.Addrs()...)
	nb := startNode(t, cfgB)
	waitFor(t, 15*time.Second, "b to save a", func() bool { return saved(t, nb, a) })
	nb.Close()
	// b restarts on a new port: the newcomer can only reach it if b, though
	// connected from its peer DB, takes part in the DHT again.
	nb = startNode(t, cfgB)
	waitFor(t, 15*time.Second, "b to reconnect", func() bool { return nb.Sync.PeerCount() == 1 })
	if via := nb.status(t).ConnectedVia; via != controlapi.ViaPeerDB {
		t.Fatalf("connected_via = %q, want peerdb", via)
	}
	late := startNode(t, testConfig(t, "late", b.Addrs()...))
	waitFor(t, 30*time.Second, "the newcomer and b to find each other", func() bool {
		for _, p := range late.Sync.Peers() {
			if p.ID == nb.Host.ID() {
				return true
			}
		}
		return false
	})
}
