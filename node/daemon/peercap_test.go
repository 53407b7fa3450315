package daemon

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Nodes with a small peer cap stop dialing at their target, refuse
// connections beyond the cap, and the sparse network still converges on a
// tip mined on one node. The cap leaves room for about as many inbound
// peers as outbound ones, plus the bootstrap: a cap at the target would
// let the first nodes fill up among themselves and leave the later ones
// out.
func TestPeerCapSparseNetworkConverges(t *testing.T) {
	const target, maxPeers, count = 2, 2*2 + 1, 6
	b := startBootstrap(t)
	var nodes []*Node
	for i := 1; i <= count; i++ {
		cfg := testConfig(t, fmt.Sprintf("c%d", i), b.Addrs()...)
		cfg.TargetPeers, cfg.MaxPeers = target, maxPeers
		nodes = append(nodes, startNode(t, cfg))
	}
	within := func(n *Node) bool {
		s := n.status(t)
		if s.MaxConnections > maxPeers {
			t.Fatalf("node %s held %d connections at once, cap %d", s.PeerID, s.MaxConnections, maxPeers)
		}
		return s.Peers >= 1
	}
	waitFor(t, 30*time.Second, "every node to have a peer", func() bool {
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
	// The cap held all along, and every node kept a peer.
	waitFor(t, 30*time.Second, "every node still with a peer", func() bool {
		for _, n := range nodes {
			if !within(n) {
				return false
			}
		}
		return true
	})
}

// One node capped at 4 connections among 12 that start together and dial
// every node they find (target 12): they all find it through the bootstrap
// and try it, yet it never holds more than 4 connections, the bootstrap's
// included, not even while they start; the network still converges on a
// block mined elsewhere, and the bootstrap keeps a connection from every
// node.
func TestCappedNodeAmongEagerDialers(t *testing.T) {
	const maxPeers, eager = 4, 12
	b := startBootstrap(t)
	cfg := testConfig(t, "capped", b.Addrs()...)
	cfg.MaxPeers = maxPeers // target stays 8: it keeps looking too
	capped := startNode(t, cfg)
	cfgs := make([]Config, eager)
	for i := range cfgs {
		cfgs[i] = testConfig(t, fmt.Sprintf("e%d", i), b.Addrs()...)
		cfgs[i].TargetPeers = eager
	}
	nodes := append([]*Node{capped}, startAll(t, cfgs...)...)
	full := func() bool {
		s := capped.status(t)
		if s.MaxConnections > maxPeers {
			t.Fatalf("capped node held %d connections at once, cap %d", s.MaxConnections, maxPeers)
		}
		return s.Connections == maxPeers
	}
	waitFor(t, 20*time.Second, "the capped node to fill up and every node to have a peer", func() bool {
		return full() && allPeers(1, nodes...)
	})
	r := nodes[eager].mint(t, "m", 2)
	waitFor(t, 20*time.Second, "every node on the block mined by an eager one", func() bool {
		return sameTip(nodes...) && capped.height() == r.Height
	})
	full()
	if s := (bootstrapBackend{b}).Status(); s.Connections != eager+1 || s.MaxConnections < eager+1 {
		t.Fatalf("bootstrap holds %d connections (most %d), want one from each of the %d nodes", s.Connections, s.MaxConnections, eager+1)
	}
}

// Chain nodes run the DHT as clients of the bootstrap: their routing
// tables hold the bootstrap alone, the bootstrap's holds no chain node, so
// a lookup never connects two chain nodes, and with target 3 none of them
// ever holds more than its cap of 7 connections. The cap leaves the room
// for inbound peers the docs ask for (2×target+1): with less, the nodes
// that start first can fill up among themselves and a late one finds no
// room, which is the operator's mistake, not what this test is about.
func TestChainNodesAreDHTClients(t *testing.T) {
	const target, maxPeers, count = 3, 7, 10
	b := startBootstrap(t)
	var nodes []*Node
	for i := range count {
		cfg := testConfig(t, fmt.Sprintf("d%d", i), b.Addrs()...)
		cfg.TargetPeers, cfg.MaxPeers = target, maxPeers
		nodes = append(nodes, startNode(t, cfg))
	}
	var last string // what a timeout reports
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("peers/connections per node at the end: %s", last)
		}
	})
	waitFor(t, 20*time.Second, "every node to reach its target", func() bool {
		var counts []string
		for _, n := range nodes {
			counts = append(counts, fmt.Sprintf("%d/%d", n.Sync.PeerCount(), n.Conns.Open()))
		}
		last = strings.Join(counts, " ")
		return allPeers(target, nodes...)
	})
	for _, n := range nodes {
		if s := n.status(t); s.MaxConnections > maxPeers {
			t.Fatalf("node %s held %d connections at once, cap %d", s.PeerID, s.MaxConnections, maxPeers)
		}
		if rt := n.dht.RoutingTable().ListPeers(); len(rt) != 1 || rt[0] != b.Node.Host.ID() {
			t.Fatalf("node %s routing table %v, want the bootstrap %s alone", n.Host.ID(), rt, b.Node.Host.ID())
		}
	}
	if rt := b.Node.DHT.RoutingTable().ListPeers(); len(rt) != 0 {
		t.Fatalf("bootstrap routing table holds %v, want no chain node", rt)
	}
}
