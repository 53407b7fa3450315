package docker

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devchain/devchain/devnet/spec"
)

func TestMaxPeersFor(t *testing.T) {
	for _, tc := range []struct{ nodes, limit, want int }{
		{4, 1024, defaultMaxPeers}, // room for chaind's default
		{50, 1024, 14},             // 50 × (14+3) = 850 ≤ 870
		{100, 1024, 5},             // 100 × (5+3) = 800 ≤ 870
		{50, 65536, defaultMaxPeers},
	} {
		got, err := maxPeersFor(tc.nodes, tc.limit)
		if err != nil || got != tc.want {
			t.Errorf("maxPeersFor(%d, %d) = %d, %v; want %d", tc.nodes, tc.limit, got, err, tc.want)
		}
		if need := neededEntries(tc.nodes, got); need > tc.limit {
			t.Errorf("%d nodes at %d peers need %d entries, more than %d", tc.nodes, got, need, tc.limit)
		}
	}
	_, err := maxPeersFor(120, 1024)
	if err == nil || !strings.Contains(err.Error(), "sysctl -w net.ipv4.neigh.default.gc_thresh2=1024 net.ipv4.neigh.default.gc_thresh3=2048") ||
		!strings.Contains(err.Error(), "holds 1024") {
		t.Errorf("120 nodes on 1024 entries: %v", err)
	}
	if got := targetFor(14); got != 6 {
		t.Errorf("targetFor(14) = %d", got)
	}
	if got := targetFor(5); got != minTargetPeers {
		t.Errorf("targetFor(5) = %d", got)
	}
	if got := targetFor(32); got != defaultTargetPeers {
		t.Errorf("targetFor(32) = %d", got)
	}
}

func chainNet(n int) *spec.Network {
	net := &spec.Network{Name: "sized", Nodes: []spec.Node{{Name: "bootstrap", Role: spec.RoleBootstrap}}}
	for range n {
		net.Nodes = append(net.Nodes, spec.Node{Role: spec.RoleNode})
	}
	return net
}

func TestSizePeers(t *testing.T) {
	net := chainNet(50)
	if err := sizePeers(net, 1024); err != nil {
		t.Fatal(err)
	}
	if b := net.Nodes[0]; b.MaxPeers != 0 || b.TargetPeers != 0 {
		t.Errorf("bootstrap limited: %+v", b)
	}
	if n := net.Nodes[1]; n.MaxPeers != 14 || n.TargetPeers != 6 {
		t.Errorf("chain node: max %d target %d, want 14 and 6", n.MaxPeers, n.TargetPeers)
	}

	// What the scenario set is kept, and checked.
	net = chainNet(50)
	for i := 1; i < len(net.Nodes); i++ {
		net.Nodes[i].TargetPeers = 3
	}
	if err := sizePeers(net, 1024); err != nil || net.Nodes[1].MaxPeers != 14 || net.Nodes[1].TargetPeers != 3 {
		t.Errorf("target kept: %+v, %v", net.Nodes[1], err)
	}
	net = chainNet(50)
	for i := 1; i < len(net.Nodes); i++ {
		net.Nodes[i].MaxPeers = 30
	}
	if err := sizePeers(net, 1024); err == nil || !strings.Contains(err.Error(), "lower network.max_peers") {
		t.Errorf("max_peers 30 for 50 nodes on 1024 entries: %v", err)
	}

	// Unknown table (remote engine): chaind's own defaults.
	net = chainNet(200)
	if err := sizePeers(net, 0); err != nil || net.Nodes[1].MaxPeers != 0 {
		t.Errorf("no limit known: %+v, %v", net.Nodes[1], err)
	}
}

// A devnet too big for the table is refused by Setup before anything is
// created: no engine is asked (none is needed for this test).
func TestSetupRefusesWhatTheTableCannotHold(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "gc_thresh3")
	if err := os.WriteFile(fake, []byte("1024\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "no-engine.sock"))
	b, err := New(Options{NeighbourLimitFile: fake, Image: "never-built"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Setup(t.Context(), chainNet(150))
	if err == nil || !strings.Contains(err.Error(), "150 chain nodes need about") || !strings.Contains(err.Error(), "gc_thresh3=2048") {
		t.Fatalf("Setup of 150 nodes on a 1024-entry table: %v", err)
	}
}
