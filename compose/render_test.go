package compose

import (
	"bytes"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/node/identity"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// testNetwork is a bootstrap and three nodes, the shape of configs/default.yaml.
func testNetwork(t *testing.T) *spec.Network {
	t.Helper()
	net := &spec.Network{
		Name:       "golden",
		NetworkKey: identity.EncodeNetworkKey(identity.NetworkKeyFromSeed("golden")),
	}
	add := func(name string, role spec.Role, minter string, every time.Duration) {
		seed := "golden/" + name
		id, err := identity.PeerIDFromSeed(seed)
		if err != nil {
			t.Fatal(err)
		}
		n := spec.Node{Name: name, Role: role, IdentitySeed: seed, PeerID: id.String(), Difficulty: 8,
			Minter: minter, MineInterval: every}
		if role == spec.RoleNode {
			n.Bootstrap, n.Rendezvous = []string{"bootstrap"}, "golden"
		}
		net.Nodes = append(net.Nodes, n)
	}
	add("bootstrap", spec.RoleBootstrap, "", 0)
	add("miner", spec.RoleNode, "m1", 2*time.Second)
	add("peer-1", spec.RoleNode, "", 0)
	add("peer-2", spec.RoleNode, "", 0)
	return net
}

func TestRenderGolden(t *testing.T) {
	got, err := Render(testNetwork(t), Options{Source: "configs/golden.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden.compose.yml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./compose -run Golden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Render differs from %s (rerun with -update if intended):\n%s", golden, got)
	}
	again, err := Render(testNetwork(t), Options{Source: "configs/golden.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, again) {
		t.Error("Render is not deterministic")
	}
}

// TestRenderValidatesWithDockerCompose asks the machine's docker-compose
// whether the rendered file is valid.
func TestRenderValidatesWithDockerCompose(t *testing.T) {
	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		t.Skip("docker-compose not installed")
	}
	dir := t.TempDir()
	net := testNetwork(t)
	out, err := Render(net, Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "docker-compose.yml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	// The key file the compose file mounts, where `devnet compose` keeps it.
	key := KeyFilePath(dir, net.Name, Options{})
	if want := filepath.Join(dir, "golden.network.key"); key != want || !bytes.Contains(out, []byte("./golden.network.key:"+KeyPath+":ro")) {
		t.Fatalf("key file %s (want %s) or its mount missing:\n%s", key, want, out)
	}
	if err := os.WriteFile(key, net.NetworkKey, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), bin, "-f", path, "config", "-q")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker-compose config: %v\n%s\n%s", err, msg, out)
	}
}

func TestLayoutAddressesAndArgs(t *testing.T) {
	net := testNetwork(t)
	l, err := NewLayout(net, netip.MustParsePrefix("10.77.5.0/24"))
	if err != nil {
		t.Fatal(err)
	}
	wantIP := map[string]string{"bootstrap": "10.77.5.2", "miner": "10.77.5.10", "peer-1": "10.77.5.11", "peer-2": "10.77.5.12"}
	for name, ip := range wantIP {
		s, err := l.Service(name)
		if err != nil {
			t.Fatal(err)
		}
		if s.IP.String() != ip {
			t.Errorf("%s: IP %s, want %s", name, s.IP, ip)
		}
		if want := "/ip4/" + ip + "/tcp/4001/p2p/" + s.Node.PeerID; s.Multiaddr != want {
			t.Errorf("%s: multiaddr %s, want %s", name, s.Multiaddr, want)
		}
		if s.Labels[LabelDevnet] != "golden" || s.Labels[LabelNode] != name {
			t.Errorf("%s: labels %v", name, s.Labels)
		}
	}
	boot, _ := l.Service("bootstrap")
	peer, _ := l.Service("peer-1")
	cmd := strings.Join(peer.Cmd, " ")
	for _, want := range []string{
		"startp2p -rendezvous golden ",
		"--datadir /data --difficulty 8",
		"--listen-host 0.0.0.0 -port 4001 -rpc 0.0.0.0:8545",
		"--identity-seed golden/peer-1",
		"--network-key /network.key",
		"-bootstrap " + boot.Multiaddr,
	} {
		if !strings.Contains(cmd, want) {
			t.Errorf("peer-1 command %q lacks %q", cmd, want)
		}
	}
	if slices.Contains(boot.Cmd, "-bootstrap") {
		t.Errorf("bootstrap command dials a bootstrap: %q", boot.Cmd)
	}
	if got := peer.Node.CommandArgv(DataDir, []string{"getbalance", "-address", "w1"}); !slices.Equal(got,
		[]string{"getbalance", "-address", "w1", "--datadir", "/data", "--difficulty", "8"}) {
		t.Errorf("CommandArgv = %q", got)
	}
}

func TestHealthcheckIntervalGrowsWithNodes(t *testing.T) {
	net := testNetwork(t)
	l, err := NewLayout(net, DefaultSubnet)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Healthcheck().Interval; got != Healthcheck.Interval {
		t.Errorf("4 nodes: interval %v, want %v", got, Healthcheck.Interval)
	}
	for i := range 46 {
		net.Nodes = append(net.Nodes, spec.Node{Name: fmt.Sprintf("extra-%d", i), Role: spec.RoleNode})
	}
	if l, err = NewLayout(net, DefaultSubnet); err != nil {
		t.Fatal(err)
	}
	if got := l.Healthcheck().Interval; got != 25*time.Second {
		t.Errorf("50 nodes: interval %v, want 25s (2 checks a second)", got)
	}
}

func TestStartWallets(t *testing.T) {
	for _, tc := range []struct {
		minter string
		want   []string
	}{
		{"w1", []string{"w1"}},
		{"1592JP3jo15Vj3QzBGa5KLKQuxxQugi8TT", nil}, // an address
		{"", nil},
	} {
		n := &spec.Node{Role: spec.RoleNode, Minter: tc.minter}
		if got := startWallets(n); !slices.Equal(got, tc.want) {
			t.Errorf("startWallets(minter %q) = %q, want %q", tc.minter, got, tc.want)
		}
	}
}

func TestLayoutRejects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(*spec.Network)
		subnet string
		want   string
	}{
		{"duplicate node", func(n *spec.Network) { n.Nodes[2].Name = "miner" }, "10.77.0.0/24", `"miner" appears twice`},
		{"unknown bootstrap", func(n *spec.Network) { n.Nodes[1].Bootstrap = []string{"nope"} }, "10.77.0.0/24", `bootstrap "nope"`},
		{"bad name", func(n *spec.Network) { n.Nodes[1].Name = "a b" }, "10.77.0.0/24", `node name "a b"`},
		{"small subnet", func(*spec.Network) {}, "10.77.0.0/28", "subnet 10.77.0.0/28"},
		{"too many nodes", func(n *spec.Network) {
			for i := range 250 {
				n.Nodes = append(n.Nodes, spec.Node{Name: "x" + string(rune('a'+i%26)) + strings.Repeat("y", i/26), Role: spec.RoleNode})
			}
		}, "10.77.0.0/24", "does not fit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			net := testNetwork(t)
			tc.edit(net)
			_, err := NewLayout(net, netip.MustParsePrefix(tc.subnet))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestBuildContextHash(t *testing.T) {
	a, err := NewBuildContext([]byte("binary one"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewBuildContext([]byte("binary one"))
	c, _ := NewBuildContext([]byte("binary two"))
	if a.Hash != b.Hash || !bytes.Equal(a.Tar, b.Tar) {
		t.Error("same binary gave a different context")
	}
	if a.Hash == c.Hash {
		t.Error("different binaries gave the same hash")
	}
	if !bytes.Contains(Dockerfile, []byte("FROM scratch\n")) || !bytes.Contains(Dockerfile, []byte(`ENTRYPOINT ["/chaind"]`)) {
		t.Errorf("Dockerfile is not FROM scratch with the /chaind entrypoint:\n%s", Dockerfile)
	}
	if _, err := NewBuildContext(nil); err == nil {
		t.Error("empty binary accepted")
	}
}
