package daemon

import (
	"fmt"
	"testing"
	"time"
)

// Nodes with a small peer cap stop dialing at their target, refuse
// connections beyond the cap, and the sparse network still converges on a
// tip mined on one node.
func TestPeerCapSparseNetworkConverges(t *testing.T) {
	const target, maxPeers, count = 2, 3, 6
	b := startBootstrap(t)
	var nodes []*Node
	for i := 1; i <= count; i++ {
		cfg := testConfig(t, fmt.Sprintf("c%d", i), b.Addrs()...)
		cfg.TargetPeers, cfg.MaxPeers, cfg.ConnGrace = target, maxPeers, 300*time.Millisecond
		nodes = append(nodes, startNode(t, cfg))
	}
	within := func(n *Node) bool {
		c := n.Sync.PeerCount()
		return c >= 1 && c <= maxPeers
	}
	waitFor(t, 30*time.Second, fmt.Sprintf("every node to have 1..%d peers", maxPeers), func() bool {
		for _, n := range nodes {
			if !within(n) {
				return false
			}
		}
		return true
	})
	r := nodes[0].mint(t, "m", 3)
	if r.Height != 3 {
		t.Fatalf("mint answered %+v, want height 3", r)
	}
	waitFor(t, 30*time.Second, "all capped nodes on the minted tip", func() bool { return sameTip(nodes...) })
	for _, n := range nodes {
		if h := n.height(); h != 3 {
			t.Fatalf("node %s at height %d, want 3", n.Host.ID(), h)
		}
	}
	// The cap holds after the network settled: a node with TargetPeers
	// does not go back to dialing everyone it discovers.
	waitFor(t, 30*time.Second, fmt.Sprintf("every node still within 1..%d peers", maxPeers), func() bool {
		for _, n := range nodes {
			if !within(n) {
				return false
			}
		}
		return true
	})
}
