package spec

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestArgv(t *testing.T) {
	p := Placement{
		DataDir: "/data", ListenHost: "0.0.0.0", P2PPort: 4001, RPCAddr: "0.0.0.0:8545",
		NetworkKey: "/network.key", Bootstrap: []string{"/ip4/10.0.0.2/tcp/4001/p2p/Qm1"},
	}
	for _, tc := range []struct {
		node Node
		want string
	}{
		{Node{Role: RoleBootstrap, IdentitySeed: "s/boot", Difficulty: 8},
			"bootstrap --datadir /data --difficulty 8 --listen-host 0.0.0.0 -port 4001 -rpc 0.0.0.0:8545 --identity-seed s/boot --network-key /network.key -bootstrap /ip4/10.0.0.2/tcp/4001/p2p/Qm1"},
		{Node{Role: RoleNode, Rendezvous: "r", Minter: "w1", MineInterval: 2 * time.Second},
			"startp2p -rendezvous r -minter w1 --mine-interval 2s --datadir /data --listen-host 0.0.0.0 -port 4001 -rpc 0.0.0.0:8545 --network-key /network.key -bootstrap /ip4/10.0.0.2/tcp/4001/p2p/Qm1"},
		// A mine interval without a minter mines nothing, so it is not passed.
		{Node{Role: RoleNode, Rendezvous: "r", MineInterval: time.Second},
			"startp2p -rendezvous r --datadir /data --listen-host 0.0.0.0 -port 4001 -rpc 0.0.0.0:8545 --network-key /network.key -bootstrap /ip4/10.0.0.2/tcp/4001/p2p/Qm1"},
	} {
		if got := strings.Join(tc.node.Argv(p), " "); got != tc.want {
			t.Errorf("Argv(%+v)\n got %s\nwant %s", tc.node, got, tc.want)
		}
	}
	noKey := Node{Role: RoleNode, Rendezvous: "r"}
	if got := noKey.Argv(Placement{DataDir: "d", ListenHost: "127.0.0.1", P2PPort: 1, RPCAddr: "127.0.0.1:2"}); slices.Contains(got, "--network-key") || slices.Contains(got, "-bootstrap") {
		t.Errorf("no key, no bootstrap: %q", got)
	}
}

// A node with a seed derives its key from it and ignores a key file; peer
// limits go to chain nodes only.
func TestArgvKeySourceAndPeerLimits(t *testing.T) {
	p := Placement{DataDir: "d", ListenHost: "h", P2PPort: 1, RPCAddr: "h:2", NetworkKey: "/network.key"}
	n := Node{Role: RoleNode, Rendezvous: "r", NetworkSeed: "demo", TargetPeers: 6, MaxPeers: 13}
	got := strings.Join(n.Argv(p), " ")
	if want := "startp2p -rendezvous r --target-peers 6 --max-peers 13 --datadir d --listen-host h -port 1 -rpc h:2 --network-seed demo"; got != want {
		t.Errorf("chain node:\n got %s\nwant %s", got, want)
	}
	boot := Node{Role: RoleBootstrap, NetworkSeed: "demo", TargetPeers: 6, MaxPeers: 13}
	if got := strings.Join(boot.Argv(p), " "); strings.Contains(got, "peers") || !strings.Contains(got, "--network-seed demo") {
		t.Errorf("bootstrap: %s", got)
	}
}

func TestCommandArgv(t *testing.T) {
	n := Node{Difficulty: 6}
	args := []string{"getbalance", "-address", "w1"}
	got := n.CommandArgv("/data", args)
	if want := []string{"getbalance", "-address", "w1", "--datadir", "/data", "--difficulty", "6"}; !slices.Equal(got, want) {
		t.Errorf("CommandArgv = %q, want %q", got, want)
	}
	if len(args) != 3 {
		t.Error("CommandArgv changed its argument")
	}
}

func TestNetworkNode(t *testing.T) {
	net := &Network{Nodes: []Node{{Name: "a"}, {Name: "b"}}}
	if n, ok := net.Node("b"); !ok || n.Name != "b" {
		t.Errorf("Node(b) = %v, %v", n, ok)
	}
	if _, ok := net.Node("c"); ok {
		t.Error("Node(c) found")
	}
}

// A network needs key bytes as soon as one node has no seed to derive its
// key from, and its JSON (the devnet record, 0644) never carries them.
func TestNetworkKey(t *testing.T) {
	net := &Network{Name: "n", Nodes: []Node{{Name: "a", NetworkSeed: "s"}, {Name: "b", NetworkSeed: "s"}}}
	if net.NeedsKey() {
		t.Error("NeedsKey with every node seeded")
	}
	net.Nodes[1].NetworkSeed = ""
	if !net.NeedsKey() {
		t.Error("!NeedsKey with node b unseeded")
	}
	net.NetworkKey = []byte("/key/swarm/psk/1.0.0/\n/base16/\nfeedc0de\n")
	raw, err := json.Marshal(net)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("feedc0de")) || bytes.Contains(raw, []byte("NetworkKey")) || bytes.Contains(raw, []byte(base64.StdEncoding.EncodeToString(net.NetworkKey))) {
		t.Errorf("the network's JSON holds its key: %s", raw)
	}
}

func TestArgvRPCTokenFile(t *testing.T) {
	n := Node{Name: "peer-1", Role: RoleNode, Rendezvous: "r", NetworkSeed: "s"}
	p := Placement{DataDir: "d", ListenHost: "127.0.0.1", P2PPort: 1, RPCAddr: "127.0.0.1:2", Bootstrap: []string{"/ip4/x"}}
	without := n.Argv(p)
	if slices.Contains(without, "--rpc-token-file") {
		t.Fatalf("Argv without RPCTokenFile: %q", without)
	}
	p.RPCTokenFile = "/rpc.token"
	got := n.Argv(p)
	if want := append(without, RPCTokenArgv("/rpc.token")...); !slices.Equal(got, want) {
		t.Fatalf("Argv with RPCTokenFile = %q, want %q", got, want)
	}
	if !strings.HasSuffix(strings.Join(got, " "), "--rpc-token-file /rpc.token") {
		t.Fatalf("Argv = %q", got)
	}
}

// Announced addresses go to chain nodes (startp2p) only, one flag each.
func TestArgvAnnounce(t *testing.T) {
	p := Placement{DataDir: "d", ListenHost: "h", P2PPort: 1, RPCAddr: "h:2",
		Announce: []string{"/dns4/peer-1/tcp/4001", "/dns4/peer-1.x/tcp/4001"}}
	n := Node{Role: RoleNode, Rendezvous: "r"}
	got := strings.Join(n.Argv(p), " ")
	if want := "startp2p -rendezvous r --announce /dns4/peer-1/tcp/4001 --announce /dns4/peer-1.x/tcp/4001 --datadir d"; !strings.HasPrefix(got, want) {
		t.Errorf("chain node:\n got %s\nwant %s…", got, want)
	}
	boot := Node{Role: RoleBootstrap}
	if got := strings.Join(boot.Argv(p), " "); strings.Contains(got, "--announce") {
		t.Errorf("bootstrap: %s", got)
	}
}
