//go:build chaosfault

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The planted fault of a chaind built with -tags chaosfault (a node forgets
// one unspent output when opened the fourth time, its third restart) is
// found by `devnet chaos` within 5 seeds, shrunk to at most 3 actions plus
// the final check, and the minimal schedule fails at least 2 of 3 times the
// same way. `make chaos` runs it.
func TestChaosFindsPlantedFault(t *testing.T) {
	faulty := filepath.Join(t.TempDir(), "chaind")
	if out, err := exec.Command("go", "build", "-tags", "chaosfault", "-o", faulty, "../../node/cmd/chaind").CombinedOutput(); err != nil {
		t.Fatalf("building the faulty chaind: %v\n%s", err, out)
	}
	base := writeScenario(t, `name: fault
nodes:
  - name: miner
    minter: w
  - name: peer
    count: 3
    wallets: [w]
chaos:
  steps: 40
  every: 100ms
  settle: 30s
  weights: {restart: 6}
`)
	const invariant = "invariant: each UTXO set is the one its blocks make"
	for seed := 1; seed <= 5; seed++ {
		art := filepath.Join(t.TempDir(), "seed")
		out, err := runDevnet(t, t.TempDir(), "chaos", "-f", base, "--seed", strconv.Itoa(seed), "--runtime", "process", "--chaind", faulty, "--artifacts", art)
		if err == nil {
			t.Logf("seed %d: no violation", seed)
			continue
		}
		if !strings.Contains(err.Error(), invariant) || !strings.Contains(err.Error(), "minimal: devnet run -f") {
			t.Fatalf("seed %d: %v\n%s", seed, err, out)
		}
		minimal := filepath.Join(art, "shrink", "minimal.yaml")
		raw, rerr := os.ReadFile(minimal)
		if rerr != nil {
			t.Fatal(rerr)
		}
		actions := strings.Count(string(raw), "name: 'chaos ") + strings.Count(string(raw), "name: \"chaos ") + strings.Count(string(raw), "name: chaos ")
		t.Logf("seed %d: violation, shrunk to %d actions:\n%s", seed, actions, raw)
		if actions > 3 {
			t.Errorf("minimal schedule has %d actions, want at most 3", actions)
		}
		out, err = runDevnet(t, t.TempDir(), "run", "-f", minimal, "--repeat", "3", "--runtime", "process", "--chaind", faulty, "--artifacts", filepath.Join(t.TempDir(), "replay"))
		if err == nil || strings.Count(out, "FAIL: step") < 2 || !strings.Contains(out, invariant) {
			t.Fatalf("minimal replayed 3 times: %v\n%s", err, out)
		}
		return
	}
	t.Fatal("no seed of 1 to 5 found the planted fault")
}
