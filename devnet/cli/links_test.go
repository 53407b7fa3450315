package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Link conditions are the node's own, so they hold the same in every
// runtime: each rtt step checks the round trip a node measures against the
// rules within 10 %, from network.links at the start, through shape steps
// and a restart (devnet gives the node its rules again), back to
// network.links after unshape.
func TestShapedLinks(t *testing.T) {
	onEveryRuntime(t, "links", func(t *testing.T, runtime, name, state string) {
		art := filepath.Join(t.TempDir(), "artefacts")
		f := writeScenario(t, fmt.Sprintf(`name: %s
network:
  links: {delay: 25ms}
nodes:
  - name: a
  - name: b
steps:
  - rtt: {node: a, peer: b, min: 45ms, max: 55ms, within: 20s}
  - shape: {between: [[a], [b]], delay: 50ms}
  - rtt: {node: a, peer: b, min: 90ms, max: 110ms, within: 20s}
  - shape: {between: [[a], [b]], delay: 200ms}
  - rtt: {node: b, peer: a, min: 360ms, max: 440ms, within: 20s}
  - restart: a
  - rtt: {node: a, peer: b, min: 360ms, max: 440ms, within: 20s}
  - unshape:
  - rtt: {node: b, peer: a, min: 45ms, max: 55ms, within: 20s}
`, name))
		out, err := runDevnet(t, state, "run", "-f", f, "--runtime", runtime, "--chaind", realChaind, "--artifacts", art)
		if err != nil {
			steps, _ := os.ReadFile(filepath.Join(art, "steps.log"))
			t.Fatalf("run failed: %v\n%s\nsteps:\n%s", err, out, steps)
		}
		if n := strings.Count(out, "ok   rtt"); n != 5 {
			t.Errorf("%d rtt steps passed, want 5:\n%s", n, out)
		}
	})
}

// configs/latency.yaml on local processes; make e2e runs it on docker.
func TestLatencyScenario(t *testing.T) {
	state, art := t.TempDir(), filepath.Join(t.TempDir(), "artefacts")
	out, err := runDevnet(t, state, "run", "-f", "../../configs/latency.yaml", "--runtime", "process", "--chaind", realChaind, "--artifacts", art)
	if err != nil {
		steps, _ := os.ReadFile(filepath.Join(art, "steps.log"))
		t.Fatalf("run failed: %v\n%s\nsteps:\n%s", err, out, steps)
	}
	if !strings.Contains(out, "PASS latency") {
		t.Errorf("no PASS line:\n%s", out)
	}
}

// The propagation assertion holds on a fast link and fails, naming the
// slowest block and node, once every block takes three shaped trips
// (announcement, request, block) of 300 ms.
func TestPropagationAssertion(t *testing.T) {
	state, art := t.TempDir(), filepath.Join(t.TempDir(), "artefacts")
	f := writeScenario(t, `name: prop
nodes:
  - name: a
    minter: w
    mine_interval: 200ms
    mine_interval_only: true
  - name: b
steps:
  - propagation: {blocks: 5, p99: 200ms, within: 20s}
  - shape: {between: [[a], [b]], delay: 300ms}
  - sleep: 2s
  - propagation: {blocks: 3, p99: 500ms, within: 1s}
`)
	out, err := runDevnet(t, state, "run", "-f", f, "--runtime", "process", "--chaind", realChaind, "--artifacts", art)
	if err == nil {
		t.Fatalf("the run passed; want the second propagation step to fail:\n%s", out)
	}
	if !strings.Contains(out, "ok   propagation p99 <= 200ms over the last 5 blocks") {
		t.Errorf("the first propagation step did not pass:\n%s", out)
	}
	if !strings.Contains(err.Error(), "step 4") || !strings.Contains(err.Error(), "want ≤ 500ms") || !strings.Contains(err.Error(), "on b)") {
		t.Errorf("error %q: want step 4 failing on its p99, naming node b", err)
	}
}
