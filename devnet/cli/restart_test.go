package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// restartScenario restarts one node times in a row, then pays a wallet on
// it: each restart must return only once the node answers, or the payment
// (or the restart after it) meets a node that is not listening yet.
func restartScenario(name string, times int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\nnodes:\n  - name: miner\n    minter: w1\n  - name: peer\n    wallets: [w9]\nsteps:\n", name)
	b.WriteString("  - mint: {node: miner, minter: w1, blocks: 2}\n")
	for range times {
		b.WriteString("  - restart: peer\n")
	}
	b.WriteString("  - send: {node: miner, from: w1, to: peer/w9, amount: 7}\n")
	b.WriteString("  - mint: {node: miner, minter: w1, blocks: 1}\n")
	b.WriteString("  - balance: {node: peer, wallet: w9, min: 7, within: 60s}\n")
	return b.String()
}

// Every runtime available here, on real chaind.
func TestRestartTwentyTimesThenSend(t *testing.T) {
	onEveryRuntime(t, "restart", func(t *testing.T, runtime, name, state string) {
		art := filepath.Join(t.TempDir(), "artefacts")
		f := writeScenario(t, restartScenario(name, 20))
		out := mustRun(t, state, runtime, f, art)
		if n := strings.Count(out, "ok   restart peer"); n != 20 {
			t.Errorf("%d restarts passed, want 20:\n%s", n, out)
		}
	})
}
