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
