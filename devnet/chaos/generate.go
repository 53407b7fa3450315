// Package chaos draws a fault schedule for a scenario's devnet from a
// seed and writes it out as an ordinary scenario, so that a chaos run is
// a `devnet run` of that file and replays the same way. The schedule is
// drawn up front, from the seed alone: the same seed gives the same file.
//
// Each action keeps the devnet able to recover: at most chaos.max_down
// chain nodes are down or paused at once, a partition is never drawn
// while a node is paused (the cut is applied through the nodes) nor a
// pause while partitioned, and the toggles undo what they did (a drawn
// stop may start a stopped node instead). After the schedule a final
// phase heals, resumes and starts everything, then checks the invariants:
// every node runs and all converge on one tip; every payment a node
// accepted (sends and load bursts) is confirmed or conflicts with one
// that is; every UTXO set is
// the one its blocks make, holds no coin beyond the subsidies, and is the
// same on every node. During the schedule, a node found gone before a
// step stops, kills, restarts or pauses it exited on its own (the
// runner's ExitedError), and a node started while the bootstrap is down
// must reconnect from a peer DB.
package chaos

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"

	"github.com/devchain/devchain/devnet/scenario"
	"github.com/devchain/devchain/node/controlapi"
)

// Step is one scenario step as YAML writes it: a kind key and its value,
// plus a name.
type Step map[string]any

// state is the devnet as the schedule leaves it so far.
type state struct {
	nodes       []string          // chain nodes, file order
	wallet      map[string]string // a node's wallet alias for mint, "" when it has none
	down        map[string]string // stopped or killed nodes → the action
	paused      map[string]bool
	partitioned bool
	side        map[string]int // each chain node's side of the partition (1 or 2)
	shaped      bool
	bootDown    bool
	bootstrap   string
	// minter: some chain node mines by itself whatever its pool holds, so
	// every payment can confirm in the final phase; sends need one.
	minter bool
}

// Generate draws cfg.Chaos.Steps actions from seed, each followed by a
// sleep of chaos.every, then the final phase and the invariant checks.
// cfg must be loaded (defaults applied) and have a Chaos section.
func Generate(cfg *scenario.Config, seed uint64) []Step {
	ch := cfg.Chaos
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	st := &state{wallet: map[string]string{}, down: map[string]string{}, paused: map[string]bool{}, side: map[string]int{}, bootstrap: cfg.Bootstrap.Name}
	for _, n := range cfg.ChainNodes() {
		st.nodes = append(st.nodes, n.Name)
		switch {
		case n.Spec.Minter != "":
			st.wallet[n.Name] = n.Spec.Minter
			st.minter = true
		case len(n.Spec.Wallets) > 0:
			st.wallet[n.Name] = n.Spec.Wallets[0]
		}
	}
	actions := slices.Sorted(maps.Keys(scenario.ChaosActions)) // a fixed order for the draw
	var out []Step
	for i := 1; i <= ch.Steps; i++ {
		step := st.draw(rng, actions, ch)
		step["name"] = fmt.Sprintf("chaos %d: %s", i, describe(step))
		out = append(out, step)
		if check := st.reconnectCheck(step); check != nil {
			out = append(out, check)
		}
		if ch.Every > 0 {
			out = append(out, Step{"sleep": ch.Every.String()})
		}
	}
	return append(out, st.final(ch)...)
}

// draw picks an action by weight among those possible now and applies it.
func (st *state) draw(rng *rand.Rand, actions []string, ch *scenario.Chaos) Step {
	var possible []string
	total := 0
	for _, a := range actions {
		if w := ch.Weight(a); w > 0 && st.possible(a, ch) {
			possible = append(possible, a)
			total += w
		}
	}
	if total == 0 {
		return Step{"sleep": "100ms"} // nothing can act (every weighted action is blocked)
	}
	k := rng.IntN(total)
	chosen := possible[len(possible)-1]
	for _, a := range possible {
		if k -= ch.Weight(a); k < 0 {
			chosen = a
			break
		}
	}
	return st.apply(rng, chosen, ch)
}

// upNodes are the chain nodes running and not paused.
func (st *state) upNodes() []string {
	var up []string
	for _, n := range st.nodes {
		if st.down[n] == "" && !st.paused[n] {
			up = append(up, n)
		}
	}
	return up
}

func (st *state) outCount() int { return len(st.down) + len(st.paused) }

func (st *state) possible(a string, ch *scenario.Chaos) bool {
	up := len(st.upNodes())
	switch a {
	case "kill", "stop":
		return len(st.down) > 0 || (st.outCount() < ch.MaxDown && up > 1)
	case "restart":
		return up > 0
	case "pause":
		return len(st.paused) > 0 || (!st.partitioned && st.outCount() < ch.MaxDown && up > 1)
	case "partition":
		return st.partitioned || (len(st.paused) == 0 && len(st.nodes) >= 2)
	case "mint":
		return len(st.upWithWallet()) > 0
	case "send":
		return st.minter && len(st.upWithWallet()) > 0
	case "load":
		return st.minter && len(st.upNodes()) > 0
	case "bootstrap", "shape":
		return true
	}
	return false
}

// upWithWallet are the running, unpaused chain nodes with a wallet.
func (st *state) upWithWallet() []string {
	var with []string
	for _, n := range st.upNodes() {
		if st.wallet[n] != "" {
			with = append(with, n)
		}
	}
	return with
}

func pick(rng *rand.Rand, from []string) string { return from[rng.IntN(len(from))] }

// apply turns action a into a step and records what it does. The toggles
// undo half the time when there is something to undo, and always when
// nothing more may go down.
func (st *state) apply(rng *rand.Rand, a string, ch *scenario.Chaos) Step {
	room := st.outCount() < ch.MaxDown && len(st.upNodes()) > 1
	switch a {
	case "kill", "stop":
		if down := slices.Sorted(maps.Keys(st.down)); len(down) > 0 && (!room || rng.IntN(2) == 0) {
			n := pick(rng, down)
			delete(st.down, n)
			return Step{"start": n}
		}
		n := pick(rng, st.upNodes())
		st.down[n] = a
		return Step{a: n}
	case "restart":
		return Step{"restart": pick(rng, st.upNodes())}
	case "pause":
		paused := slices.Sorted(maps.Keys(st.paused))
		if len(paused) > 0 && (!room || st.partitioned || rng.IntN(2) == 0) {
			n := pick(rng, paused)
			delete(st.paused, n)
			return Step{"unpause": n}
		}
		n := pick(rng, st.upNodes())
		st.paused[n] = true
		return Step{"pause": n}
	case "partition":
		if st.partitioned {
			st.partitioned = false
			clear(st.side)
			return Step{"heal": nil}
		}
		shuffled := slices.Clone(st.nodes)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		cut := 1 + rng.IntN(len(shuffled)-1)
		left, right := slices.Sorted(slices.Values(shuffled[:cut])), slices.Sorted(slices.Values(shuffled[cut:]))
		st.partitioned = true
		for _, n := range left {
			st.side[n] = 1
		}
		for _, n := range right {
			st.side[n] = 2
		}
		return Step{"partition": map[string][]string{"left": left, "right": right}}
	case "mint":
		n := pick(rng, st.upWithWallet())
		return Step{"mint": map[string]any{"node": n, "minter": st.wallet[n], "blocks": 1 + rng.IntN(3)}}
	case "send":
		// To another running node's wallet (its address is asked of it),
		// else to the sender's own. The wallet may be short of coin after
		// a reorg: a refusal is no fault, an accepted payment is checked.
		with := st.upWithWallet()
		n, to := pick(rng, with), ""
		if others := slices.DeleteFunc(slices.Clone(with), func(m string) bool { return m == n }); len(others) > 0 {
			m := pick(rng, others)
			to = m + "/" + st.wallet[m]
		} else {
			to = st.wallet[n]
		}
		return Step{"send": map[string]any{"node": n, "from": st.wallet[n], "to": to, "amount": 1 + rng.IntN(5), "best_effort": true}}
	case "load":
		// A burst through one running node: its funding is mined there, so
		// a partition does not stall it, but a reorg arriving meanwhile
		// may take its blocks (best effort: no fault); what stays
		// unconfirmed after confirm_within is left to the payments
		// invariant.
		return Step{"load": map[string]any{
			"node": pick(rng, st.upNodes()), "wallets": 2 + rng.IntN(4), "rate": 10 * (1 + rng.IntN(5)),
			"for": fmt.Sprintf("%ds", 1+rng.IntN(3)), "confirm_within": "2s", "best_effort": true,
		}}
	case "shape":
		if st.shaped {
			st.shaped = false
			return Step{"unshape": nil}
		}
		st.shaped = true
		slow := pick(rng, st.nodes)
		delay := 20 + rng.IntN(181) // ms
		return Step{"shape": map[string]any{
			"between": [][]string{{slow}, {scenario.All}},
			"delay":   fmt.Sprintf("%dms", delay), "jitter": fmt.Sprintf("%dms", delay/10),
			"loss": fmt.Sprintf("%d%%", rng.IntN(21)),
		}}
	case "bootstrap":
		st.bootDown = !st.bootDown
		if st.bootDown {
			return Step{"stop": st.bootstrap}
		}
		return Step{"start": st.bootstrap}
	}
	return Step{"sleep": "100ms"} // no such action: scenario.ChaosActions and this switch disagree
}

// reconnectWithin bounds the wait of a reconnect check: a node dials its
// saved peers at once, and they redial theirs every few seconds.
const reconnectWithin = "30s"

// reconnectCheck is the check that follows a node's start or restart
// while the bootstrap is down: with rendezvous impossible, it must find a
// peer again from its peer DB (or be found by one). Only when a peer can
// be had: another chain node running, not paused, on its side of any
// partition. Named "check: …", it travels with its action when shrinking.
func (st *state) reconnectCheck(step Step) Step {
	var n string
	for _, kind := range []string{"start", "restart"} {
		if v, ok := step[kind].(string); ok {
			n = v
		}
	}
	if n == "" || n == st.bootstrap || !st.bootDown {
		return nil
	}
	for _, m := range st.upNodes() {
		if m != n && st.side[m] == st.side[n] {
			return Step{
				"name":          fmt.Sprintf("check: %s, started while the bootstrap is down, reconnects from the peer DB", n),
				"connected_via": map[string]any{"node": n, "via": []string{controlapi.ViaPeerDB, controlapi.ViaInbound}, "within": reconnectWithin},
			}
		}
	}
	return nil
}

// utxoWithin is how long the UTXO invariant may wait, after convergence.
const utxoWithin = "5s"

// final heals, resumes and starts everything the schedule left out, then
// checks the invariants.
func (st *state) final(ch *scenario.Chaos) []Step {
	var out []Step
	if st.partitioned {
		out = append(out, Step{"name": "final: heal", "heal": nil})
	}
	for _, n := range slices.Sorted(maps.Keys(st.paused)) {
		out = append(out, Step{"name": "final: unpause " + n, "unpause": n})
	}
	for _, n := range slices.Sorted(maps.Keys(st.down)) {
		out = append(out, Step{"name": "final: start " + n, "start": n})
	}
	if st.bootDown {
		out = append(out, Step{"name": "final: start the bootstrap", "start": st.bootstrap})
	}
	if st.shaped {
		out = append(out, Step{"name": "final: unshape", "unshape": nil})
	}
	return append(out,
		Step{"name": "invariant: every node runs and all converge on one tip", "converged": map[string]any{"node": "all", "within": ch.Settle.String()}},
		Step{"name": "invariant: every payment accepted is confirmed or conflicts with one that is, none lost", "payments": map[string]any{"node": "all", "within": ch.Settle.String()}},
		// Once converged the sets are settled: a violation will not mend,
		// and a short wait keeps each shrinking candidate short.
		Step{"name": "invariant: each UTXO set is the one its blocks make, within the subsidies, the same on every node", "utxo": map[string]any{"node": "all", "within": utxoWithin}},
	)
}

func describe(s Step) string {
	for k, v := range s {
		if k == "name" {
			continue
		}
		switch v := v.(type) {
		case string:
			return k + " " + v
		case map[string][]string:
			return fmt.Sprintf("%s %v | %v", k, v["left"], v["right"])
		case map[string]any:
			if b, ok := v["between"].([][]string); ok {
				return fmt.Sprintf("%s %v to all: delay %v, loss %v", k, b[0], v["delay"], v["loss"])
			}
			if to, ok := v["to"]; ok {
				return fmt.Sprintf("%s %v from %v to %v", k, v["amount"], v["node"], to)
			}
			if rate, ok := v["rate"]; ok {
				return fmt.Sprintf("%s %v tx/s for %v through %v", k, rate, v["for"], v["node"])
			}
			return fmt.Sprintf("%s on %v", k, v["node"])
		}
		return k
	}
	return ""
}
