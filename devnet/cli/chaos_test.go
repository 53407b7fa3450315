package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A short chaos run on local processes (30 actions, a fixed seed) holds
// its invariant, and its schedule replays: `devnet run --repeat 2` of it
// passes both times.
func TestChaosRunAndReplay(t *testing.T) {
	state, art := t.TempDir(), filepath.Join(t.TempDir(), "chaos")
	f := writeScenario(t, `name: chaosrun
nodes:
  - name: miner
    minter: w
  - name: peer
    count: 4
    wallets: [w]
chaos:
  steps: 30
  every: 100ms
  settle: 60s
`)
	out, err := runDevnet(t, state, "chaos", "-f", f, "--seed", "1", "--runtime", "process", "--chaind", realChaind, "--artifacts", art)
	if err != nil {
		steps, _ := os.ReadFile(filepath.Join(art, "steps.log"))
		t.Fatalf("chaos run: %v\n%s\nsteps:\n%s", err, out, steps)
	}
	if !strings.Contains(out, "ok   invariant: every node runs and all converge on one tip") {
		t.Errorf("the invariant did not run:\n%s", out)
	}
	schedule := filepath.Join(art, "schedule.yaml")
	out, err = runDevnet(t, state, "run", "-f", schedule, "--repeat", "2", "--runtime", "process", "--chaind", realChaind, "--artifacts", filepath.Join(t.TempDir(), "replay"))
	if err != nil || !strings.Contains(out, "0 of 2 runs failed") {
		t.Fatalf("replay --repeat 2: %v\n%s", err, out)
	}
}

// `devnet run --repeat` counts the failed runs and fails when any did.
func TestRepeatReportsFailureRate(t *testing.T) {
	f := writeScenario(t, "name: rep\nnodes:\n  - name: a\nsteps:\n  - height: {node: a, min: 5, within: 300ms}\n")
	out, err := runDevnet(t, t.TempDir(), "run", "-f", f, "--repeat", "2", "--runtime", "process", "--chaind", fakeChaind, "--artifacts", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "2 of 2 runs") || !strings.Contains(out, "run 2 of 2: FAIL") || !strings.Contains(out, "2 of 2 runs failed (100 %)") {
		t.Fatalf("repeat of a failing scenario: %v\n%s", err, out)
	}
	if _, err := runDevnet(t, t.TempDir(), "run", "-f", f, "--repeat", "0"); err == nil || !strings.Contains(err.Error(), "--repeat 0") {
		t.Errorf("--repeat 0: %v", err)
	}
}
