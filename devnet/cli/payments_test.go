package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// A payment a node accepted while the miner was away outlives a kill of
// that node and confirms once the miner is back (the node kept it, pools
// it at start and offers it to the miner when they meet): the
// payments assertion holds, and a payment refused for want of coin is no
// failure with best_effort. Every runtime available here, on real chaind.
func TestAcceptedPaymentOutlivesKill(t *testing.T) {
	onEveryRuntime(t, "payments", func(t *testing.T, runtime, name, state string) {
		f := writeScenario(t, `name: `+name+`
nodes:
  - name: miner
    minter: w
  - name: peer
    wallets: [w]
steps:
  - peers: {node: all, min: 1}
  - mint: {node: peer, minter: w, blocks: 2}
  - converged: {min_height: 2}
  - balance: {node: miner, wallet: miner/w, equals: 0}
  - stop: miner
  - send: {node: peer, from: w, to: miner/w, amount: 7}
  - send: {node: peer, from: w, to: miner/w, amount: 1000, best_effort: true}
  - kill: peer
  - start: peer
  - start: miner
  - payments: {node: all, within: 30s}
  - balance: {node: all, wallet: peer/w, equals: 93}
  - balance: {node: all, wallet: miner/w, min: 57}
`)
		out := mustRun(t, state, runtime, f, filepath.Join(t.TempDir(), "artefacts"))
		if !strings.Contains(out, "refused, not a failure (best effort)") {
			t.Errorf("the payment beyond the balance was not refused as best effort:\n%s", out)
		}
	})
}

// The minimal case of a payment a chaos run lost (seed 4 of
// configs/chaos.yaml): a node cut off from the miner confirms a payment
// and then one spending its change in blocks of its own; the miner's
// longer chain replaces them when the partition heals, and both payments
// must come back to the pool and confirm (they came back tip first, so the
// child found no parent and was dropped).
func TestReorgReturnsChainedPayments(t *testing.T) {
	f := writeScenario(t, `name: chained
nodes:
  - name: miner
    minter: w
  - name: peer
    wallets: [w, side]
steps:
  - peers: {node: all, min: 1}
  - mint: {node: peer, minter: w, blocks: 1}
  - converged: {min_height: 1}
  - partition: {left: [peer], right: [miner]}
  - send: {node: peer, from: w, to: w, amount: 10}
  - mint: {node: peer, minter: side, blocks: 1}
  - send: {node: peer, from: w, to: w, amount: 5}
  - mint: {node: peer, minter: side, blocks: 1}
  - mint: {node: miner, minter: w, blocks: 4}
  - heal:
  - payments: {node: all, within: 30s}
  - converged: {min_height: 6}
  - balance: {node: all, wallet: peer/w, equals: 50}
`)
	mustRun(t, t.TempDir(), "process", f, filepath.Join(t.TempDir(), "artefacts"))
}
