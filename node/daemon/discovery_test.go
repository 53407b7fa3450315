package daemon

import (
	"testing"
	"time"

	"github.com/devchain/devchain/node/controlapi"
)

// Bootstrap + 3 nodes find each other by rendezvous and converge on a tip
// mined on one of them; a 4th node started later is found too.
func TestRendezvousAndConvergence(t *testing.T) {
	b := startBootstrap(t)
	var nodes []*Node
	for _, name := range []string{"n1", "n2", "n3"} {
		nodes = append(nodes, startNode(t, testConfig(t, name, b.Addrs()...)))
	}
	waitFor(t, 30*time.Second, "3 nodes to see each other", func() bool { return allPeers(2, nodes...) })
	dialled := 0
	for _, n := range nodes {
		s := n.status(t)
		if s.Peers != 2 || (s.ConnectedVia != controlapi.ViaRendezvous && s.ConnectedVia != controlapi.ViaInbound) {
			t.Fatalf("node %s: connected_via %q, peers %d; want rendezvous or inbound, 2", s.PeerID, s.ConnectedVia, s.Peers)
		}
		for _, p := range n.peerList(t) {
			if want := map[string]string{"outbound": controlapi.ViaRendezvous, "inbound": controlapi.ViaInbound}[p.Direction]; p.Source != want {
				t.Fatalf("node %s: %s peer %s has source %q, want %q", s.PeerID, p.Direction, p.PeerID, p.Source, want)
			}
			if p.Source == controlapi.ViaRendezvous {
				dialled++
			}
		}
	}
	if dialled < 3 { // three pairs, each dialled by one side at least
		t.Fatalf("%d peers came from rendezvous, want at least 3", dialled)
	}
	r := nodes[1].mint(t, "m", 3)
	if r.Height != 3 || len(r.Blocks) != 3 {
		t.Fatalf("mint answered %+v, want 3 blocks up to height 3", r)
	}
	waitFor(t, 20*time.Second, "all nodes on the minted tip", func() bool { return sameTip(nodes...) })

	late := startNode(t, testConfig(t, "n4", b.Addrs()...))
	nodes = append(nodes, late)
	waitFor(t, 30*time.Second, "the late node to be found by all", func() bool { return allPeers(3, nodes...) })
	waitFor(t, 20*time.Second, "the late node to sync", func() bool { return sameTip(nodes...) })
	if late.height() != 3 {
		t.Fatalf("late node at height %d, want 3", late.height())
	}
}
