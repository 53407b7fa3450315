package scenario

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/devnet/spec"
)

const good = `name: demo
network:
  difficulty: 6
nodes:
  - name: miner
    minter: w1
    mine_interval: 2s
  - name: peer
    count: 3
    wallets: [w2]
steps:
  - createwallet: {node: peer-1, alias: w3}
  - mint: {node: miner, minter: w1, blocks: 2}
  - stop: peer-2
  - mint: {node: peer-2, minter: w2, offline: true}
  - name: bootstrap goes away
    stop: bootstrap
  - send: {node: miner, from: w1, to: peer-1/w3, amount: 10}
  - partition:
      left: [miner, peer-1]
      right: [peer-3]
  - heal:
  - sleep: 1s
  - height: {node: all, min: 3, within: 20s}
  - converged:
  - balance: {node: peer-1, wallet: w3, equals: 10}
  - peers: {node: peer, min: 1}
  - connected_via: {node: peer-2, via: peerdb}
  - log: {node: miner, match: "mined block"}
`

func TestParseGood(t *testing.T) {
	c, err := Parse("demo.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if c.Network.Difficulty != 6 || c.Network.Seed != "" || c.Network.Rendezvous != "devnet-demo" {
		t.Errorf("network = %+v", c.Network)
	}
	if c.Bootstrap.Name != "bootstrap" || c.Runtime != "auto" {
		t.Errorf("bootstrap %q runtime %q: defaults not applied", c.Bootstrap.Name, c.Runtime)
	}
	var names []string
	for _, n := range c.ChainNodes() {
		names = append(names, n.Name)
	}
	if got := strings.Join(names, ","); got != "miner,peer-1,peer-2,peer-3" {
		t.Errorf("expanded nodes = %s", got)
	}
	if got := c.Nodes[0].Wallets; len(got) != 1 || got[0] != "w1" {
		t.Errorf("minter wallet not added to wallets: %v", got)
	}
	if len(c.Steps) != 15 {
		t.Fatalf("%d steps, want 15", len(c.Steps))
	}
	if s := c.Steps[2]; s.Kind != "stop" || strings.Join(s.Targets(), ",") != "peer-2" || s.Pos.Line != 14 {
		t.Errorf("shorthand stop step = %+v", s)
	}
	if c.Steps[4].Name != "bootstrap goes away" {
		t.Errorf("step name = %q", c.Steps[4].Name)
	}
	if m := c.Steps[1].Action.(*Mint); m.Blocks != 2 || m.Minter != "w1" {
		t.Errorf("mint = %+v", m)
	}
	if m := c.Steps[3].Action.(*Mint); m.Blocks != 1 || !m.Offline {
		t.Errorf("offline mint defaults = %+v", m)
	}
	if s := c.Steps[8].Action.(*Sleep); s.For.D() != time.Second {
		t.Errorf("sleep = %v", s.For)
	}
	if got := c.Steps[9].Within(); got != 20*time.Second {
		t.Errorf("height within = %v", got)
	}
	if got := c.Steps[10].Within(); got != DefaultWithin {
		t.Errorf("converged within default = %v", got)
	}
	if got := strings.Join(c.Resolve(c.Steps[10].Targets()), ","); got != "miner,peer-1,peer-2,peer-3" {
		t.Errorf("converged defaults to all, got %s", got)
	}
	if got := strings.Join(c.Resolve(Targets{"peer", "bootstrap"}), ","); got != "bootstrap,peer-1,peer-2,peer-3" {
		t.Errorf("resolve group = %s", got)
	}
	if !c.Steps[13].IsAssertion() || c.Steps[0].IsAssertion() {
		t.Error("IsAssertion wrong")
	}
}

// specOf is the spec.Network of the scenario yaml, as demo.yaml.
func specOf(t *testing.T, yaml string) *spec.Network {
	t.Helper()
	c, err := Parse("demo.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	net, err := c.Spec()
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func TestSpec(t *testing.T) {
	net := specOf(t, good)
	if len(net.Nodes) != 5 || net.Nodes[0].Name != "bootstrap" || net.Nodes[0].Role != "bootstrap" {
		t.Fatalf("nodes = %+v", net.Nodes)
	}
	miner := net.Nodes[1]
	if miner.IdentitySeed != "demo/miner" || miner.PeerID == "" || miner.Difficulty != 6 {
		t.Errorf("miner = %+v", miner)
	}
	if miner.Role != spec.RoleNode || miner.Rendezvous != "devnet-demo" || miner.Minter != "w1" || miner.MineInterval != 2*time.Second {
		t.Errorf("miner launch = %+v", miner)
	}
	if len(miner.Bootstrap) != 1 || miner.Bootstrap[0] != "bootstrap" {
		t.Errorf("miner bootstrap = %v", miner.Bootstrap)
	}
	again := specOf(t, good)
	if again.Nodes[2].PeerID != net.Nodes[2].PeerID || net.Nodes[2].PeerID == net.Nodes[3].PeerID {
		t.Error("peer IDs must be deterministic and distinct")
	}
	// No seed written: no node derives its key, so the network needs the
	// random one its launcher keeps (Spec makes none).
	for _, n := range net.Nodes {
		if n.NetworkSeed != "" {
			t.Errorf("%s: network seed %q without a seed in the file", n.Name, n.NetworkSeed)
		}
	}
	if !net.NeedsKey() || net.NetworkKey != nil {
		t.Errorf("NeedsKey %v, key %q: want a network that needs a key and has none yet", net.NeedsKey(), net.NetworkKey)
	}
}

// A seed written in the file derives every node's network key (no key file
// anywhere); written or not, the devnet's name or that seed gives the same
// peer IDs as before random keys.
func TestSpecSeed(t *testing.T) {
	unseeded := specOf(t, "nodes: [{name: miner}]\n")
	named := specOf(t, "network: {seed: demo}\nnodes: [{name: miner}]\n")
	other := specOf(t, "network: {seed: elsewhere}\nnodes: [{name: miner}]\n")
	if named.NeedsKey() || named.NetworkKey != nil {
		t.Errorf("explicit seed: NeedsKey %v, key %q: want the key derived on every node", named.NeedsKey(), named.NetworkKey)
	}
	for _, n := range named.Nodes {
		if n.NetworkSeed != "demo" {
			t.Errorf("%s: network seed %q, want demo", n.Name, n.NetworkSeed)
		}
	}
	// Pinned: peer IDs are derived from "<seed-or-name>/<node>" and must not
	// move, or every saved peer DB and multiaddr goes stale.
	want := map[string]string{
		"bootstrap": "12D3KooWPM5NiLLm7GAnJsuqSEpa3cY6ccqqR67dcn9wKXzWYxN9",
		"miner":     "12D3KooWRVBmzaEDVSqu87NKqF3CveiUxKVasNWihC7LVyU3Kr62",
	}
	for i, n := range unseeded.Nodes {
		if n.IdentitySeed != "demo/"+n.Name || n.PeerID != want[n.Name] || named.Nodes[i].PeerID != n.PeerID {
			t.Errorf("%s: identity seed %q, peer ID %s (seeded %s), want demo/%s, %s", n.Name, n.IdentitySeed, n.PeerID, named.Nodes[i].PeerID, n.Name, want[n.Name])
		}
		if other.Nodes[i].PeerID == n.PeerID {
			t.Errorf("%s: another seed gave the same peer ID", n.Name)
		}
	}
}

// Each malformed scenario must fail with the file:line of the offending
// value and a message naming the problem.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown top key", "name: x\nnodez: []\n", "f.yaml:2: scenario: unknown field \"nodez\""},
		{"unknown node key", "nodes:\n  - name: a\n    mintr: w\n", "f.yaml:3: nodes[0]: unknown field \"mintr\""},
		{"wrong type", "network:\n  difficulty: high\nnodes: [{name: a}]\n", "f.yaml:2: network.difficulty: want a non-negative integer, got \"high\""},
		{"list for string", "name: [a]\n", "f.yaml:1: name: want a string, got a list"},
		{"duplicate key", "name: a\nname: b\n", "f.yaml:2: scenario: duplicate key \"name\" (first at line 1)"},
		{"duplicate node", "nodes:\n  - name: a\n  - name: b\n  - name: a\n", "f.yaml:4: duplicate node name \"a\" (first at f.yaml:2)"},
		{"group clash", "nodes:\n  - name: p\n    count: 2\n  - name: p-2\n", "f.yaml:4: duplicate node name \"p-2\" (first at f.yaml:2)"},
		{"bootstrap clash", "nodes:\n  - name: bootstrap\n", "f.yaml:2: duplicate node name \"bootstrap\""},
		{"count zero", "nodes:\n  - name: p\n    count: 0\n", "f.yaml:2: nodes[0] \"p\": count 0, want at least 1"},
		{"no nodes", "name: x\n", "f.yaml:1: nodes: a devnet needs at least one node"},
		{"unknown node in step", "nodes: [{name: a}]\nsteps:\n  - stop: b\n", "f.yaml:3: step \"stop\": unknown node or group \"b\""},
		{"unknown step", "nodes: [{name: a}]\nsteps:\n  - explode: a\n", "f.yaml:3: steps[0]: unknown step \"explode\""},
		{"two kinds", "nodes: [{name: a}]\nsteps:\n  - stop: a\n    start: a\n", "f.yaml:4: steps[0]: one step has two kinds"},
		{"bad duration", "nodes: [{name: a}]\nsteps:\n  - height: {node: a, min: 1, within: soon}\n", "f.yaml:3: steps[0].height.within: bad duration \"soon\""},
		{"bad sleep", "nodes: [{name: a}]\nsteps:\n  - sleep: 5\n", "f.yaml:3: steps[0].sleep: bad duration \"5\""},
		{"bad runtime", "runtime: Vm!\nnodes: [{name: a}]\n", "f.yaml:1: runtime \"Vm!\""},
		{"bad via", "nodes: [{name: a}]\nsteps:\n  - connected_via: {node: a, via: magic}\n", "f.yaml:3: step \"connected_via\": via \"magic\""},
		{"bad regex", "nodes: [{name: a}]\nsteps:\n  - log: {node: a, match: \"(\"}\n", "f.yaml:3: step \"log\": match \"(\""},
		{"mint on bootstrap", "nodes: [{name: a}]\nsteps:\n  - mint: {node: bootstrap, minter: w}\n", "f.yaml:3: step \"mint\": node \"bootstrap\" is the bootstrap"},
		{"partition overlap", "nodes: [{name: a}, {name: b}]\nsteps:\n  - partition: {x: [a], y: [a, b]}\n", "f.yaml:3: step \"partition\": node \"a\" is in both"},
		{"partition one set", "nodes: [{name: a}]\nsteps:\n  - partition: {x: [a]}\n", "want at least two named sets"},
		{"balance both", "nodes: [{name: a}]\nsteps:\n  - balance: {node: a, wallet: w, min: 1, equals: 2}\n", "f.yaml:3: step \"balance\": give exactly one of equals and min"},
		{"send to unknown node", "nodes: [{name: a}]\nsteps:\n  - send: {node: a, from: w, to: z/w, amount: 1}\n", "f.yaml:3: step \"send\": to \"z/w\": \"z\" is not a chain node"},
		{"syntax", "nodes: [\n", "f.yaml:"},
		{"bad name", "name: My Net\nnodes: [{name: a}]\n", "f.yaml:1: name \"My Net\""},
		{"reserved all", "nodes: [{name: all}]\n", "f.yaml:1: node name \"all\" is reserved"},
		{"bandwidth unit", "nodes: [{name: a}, {name: b}]\nsteps:\n  - shape:\n      between: [[a], [b]]\n      bandwidth: 1mbps\n", "f.yaml:5: steps[0].shape.bandwidth: bandwidth \"1mbps\": want a number and a unit"},
		{"bandwidth negative", "network:\n  links: {bandwidth: -2mbit}\nnodes: [{name: a}]\n", "f.yaml:2: network.links.bandwidth: negative bandwidth \"-2mbit\""},
		{"bandwidth absurd", "network:\n  links:\n    bandwidth: 10bit\nnodes: [{name: a}]\n", "f.yaml:3: network.links: bandwidth 10bit below 64kbit"},
		{"loss range", "nodes: [{name: a}, {name: b}]\nsteps:\n  - shape: {between: [[a], [b]], loss: 120%}\n", "f.yaml:3: steps[0].shape.loss: loss \"120%\" outside 0%–100%"},
		{"loss no percent", "nodes: [{name: a}, {name: b}]\nsteps:\n  - shape: {between: [[a], [b]], loss: 0.2}\n", "f.yaml:3: steps[0].shape.loss: loss \"0.2\": want a percentage"},
		{"delay negative", "nodes: [{name: a}, {name: b}]\nsteps:\n  - shape: {between: [[a], [b]], delay: -5ms}\n", "f.yaml:3: steps[0].shape.delay: negative duration"},
		{"delay too long", "nodes: [{name: a}, {name: b}]\nsteps:\n  - shape: {between: [[a], [b]], delay: 1m}\n", "f.yaml:3: step \"shape\": delay 1m0s above 10s"},
		{"jitter above delay", "network:\n  links: {delay: 5ms, jitter: 10ms}\nnodes: [{name: a}]\n", "f.yaml:2: network.links: jitter 10ms above the delay 5ms"},
		{"shape no condition", "nodes: [{name: a}, {name: b}]\nsteps:\n  - shape: {between: [[a], [b]]}\n", "f.yaml:3: step \"shape\": no condition"},
		{"shape one set", "nodes: [{name: a}, {name: b}]\nsteps:\n  - shape: {between: [all], delay: 5ms}\n", "f.yaml:3: step \"shape\": between: want at least two sets"},
		{"shape bootstrap", "nodes: [{name: a}]\nsteps:\n  - shape: {between: [[a], bootstrap], delay: 5ms}\n", "f.yaml:3: step \"shape\": node \"bootstrap\" is the bootstrap"},
		{"unshape unknown", "nodes: [{name: a}]\nsteps:\n  - unshape: {between: [[a], [z]]}\n", "f.yaml:3: step \"unshape\": unknown node or group \"z\""},
		{"load rate", "nodes: [{name: a}]\nsteps:\n  - load: {rate: -5}\n", "f.yaml:3: steps[0].load.rate: \"-5\": want payments per second above 0"},
		{"load rate word", "nodes: [{name: a}]\nsteps:\n  - load: {rate: fast}\n", "f.yaml:3: steps[0].load.rate: \"fast\": want payments per second"},
		{"load wallets", "nodes: [{name: a}]\nsteps:\n  - load: {wallets: 5000}\n", "f.yaml:3: step \"load\": wallets 5000: want 1 to 1000"},
		{"load for", "nodes: [{name: a}]\nsteps:\n  - load: {for: 100000h}\n", "f.yaml:3: steps[0].load.for: duration \"100000h\" above 24h"},
		{"load on bootstrap", "nodes: [{name: a}]\nsteps:\n  - load: {node: bootstrap}\n", "f.yaml:3: step \"load\": node \"bootstrap\" is the bootstrap"},
		{"interval only without interval", "nodes:\n  - name: a\n    minter: w\n    mine_interval_only: true\n", "f.yaml:2: nodes[0] \"a\": mine_interval_only needs a mine_interval"},
		{"chaos weights zero", "nodes: [{name: a}, {name: b}, {name: c}]\nchaos:\n  weights: {kill: 0, stop: 0, restart: 0, pause: 0, partition: 0, mint: 0, send: 0, load: 0, bootstrap: 0, shape: 0}\n", "f.yaml:3: chaos.weights: every weight is 0"},
		{"chaos unknown action", "nodes: [{name: a}, {name: b}]\nchaos:\n  weights:\n    kill: 1\n    explode: 2\n", "f.yaml:5: chaos.weights: unknown action \"explode\" (known: bootstrap, kill, load, mint, partition, pause, restart, send, shape, stop)"},
		{"chaos weight type", "nodes: [{name: a}, {name: b}]\nchaos:\n  weights: {kill: lots}\n", "f.yaml:3: chaos.weights.kill: want an integer, got \"lots\""},
		{"chaos steps", "nodes: [{name: a}, {name: b}]\nchaos: {steps: 999999}\n", "f.yaml:2: chaos.steps 999999: want 1 to 5000"},
		{"links unknown key", "network:\n  links: {latency: 5ms}\nnodes: [{name: a}]\n", "f.yaml:2: network.links: unknown field \"latency\""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("no error; want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseReportsEveryError(t *testing.T) {
	_, err := Parse("f.yaml", []byte("nodes:\n  - name: a\n    count: 0\n  - name: b\n  - name: b\n"))
	if err == nil || !strings.Contains(err.Error(), "f.yaml:2:") || !strings.Contains(err.Error(), "f.yaml:5:") {
		t.Fatalf("want both errors (lines 2 and 5), got %v", err)
	}
}

// The shipped scenarios must load: `make e2e` runs them.
func TestShippedConfigsLoad(t *testing.T) {
	files, err := filepath.Glob("../../configs/*.yaml")
	if err != nil || len(files) < 5 {
		t.Fatalf("want the five configs, got %v (%v)", files, err)
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%v", err)
		}
	}
}

// Every step example in configs/README.md must be valid: the format's
// documentation cannot drift from the decoder.
func TestReadmeExamplesParse(t *testing.T) {
	raw, err := os.ReadFile("../../configs/README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(raw), "```yaml\n")[1:]
	if len(blocks) < 3 {
		t.Fatalf("want the top-level, action and assertion examples, got %d blocks", len(blocks))
	}
	kinds := map[string]bool{}
	for i, b := range blocks {
		body, _, _ := strings.Cut(b, "```")
		src := body
		if strings.HasPrefix(body, "- ") {
			src = "nodes: [{name: miner, minter: w1}, {name: peer, count: 3}]\nsteps:\n" + indent(body)
		}
		c, err := Parse(fmt.Sprintf("readme-%d.yaml", i+1), []byte(src))
		if err != nil {
			t.Errorf("README block %d does not parse: %v", i+1, err)
			continue
		}
		for _, s := range c.Steps {
			kinds[s.Kind] = true
		}
	}
	for k := range stepKinds {
		if !kinds[k] {
			t.Errorf("configs/README.md has no example of step %q", k)
		}
	}
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n") + "\n"
}
