package chaos

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/devchain/devchain/devnet/scenario"
)

const base = `name: base
nodes:
  - name: miner
    minter: w
  - name: peer
    count: 5
    wallets: [w]
chaos:
  steps: 200
  every: 100ms
  weights: {pause: 3, partition: 3}
`

func load(t *testing.T) *scenario.Config {
	t.Helper()
	cfg, err := scenario.Parse("base.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The same seed gives the same schedule, byte for byte; another seed
// another one.
func TestSameSeedSameSchedule(t *testing.T) {
	render := func(seed uint64) []byte {
		out, err := Render([]byte(base), Generate(load(t), seed), seed, "base.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b, c := render(42), render(42), render(43)
	if !bytes.Equal(a, b) {
		t.Fatal("two schedules of seed 42 differ")
	}
	if bytes.Equal(a, c) {
		t.Fatal("seeds 42 and 43 gave the same schedule")
	}
}

// A schedule is a valid scenario without a chaos section, and while it
// runs at most max_down chain nodes are out, a partition never meets a
// paused node, and the final phase brings everything back before the
// invariant.
func TestScheduleKeepsTheDevnetRecoverable(t *testing.T) {
	cfg := load(t)
	sends, loads := 0, 0
	for seed := uint64(1); seed <= 20; seed++ {
		raw, err := Render([]byte(base), Generate(cfg, seed), seed, "base.yaml")
		if err != nil {
			t.Fatal(err)
		}
		sched, err := scenario.Parse("schedule.yaml", raw)
		if err != nil {
			t.Fatalf("seed %d: the schedule does not load: %v\n%s", seed, err, raw)
		}
		if sched.Chaos != nil {
			t.Fatalf("seed %d: the schedule kept the chaos section", seed)
		}
		out, paused, partitioned, bootDown := map[string]bool{}, map[string]bool{}, false, false
		for i, s := range sched.Steps {
			target := ""
			if ts := s.Targets(); len(ts) > 0 {
				target = ts[0]
			}
			switch s.Kind {
			case "kill", "stop":
				if target == "bootstrap" {
					bootDown = true
				} else {
					out[target] = true
				}
			case "start":
				if target == "bootstrap" {
					bootDown = false
				} else {
					delete(out, target)
				}
			case "pause":
				if partitioned {
					t.Fatalf("seed %d step %d: pause while partitioned", seed, i+1)
				}
				paused[target] = true
			case "unpause":
				delete(paused, target)
			case "partition":
				if len(paused) > 0 {
					t.Fatalf("seed %d step %d: partition with %v paused", seed, i+1, paused)
				}
				partitioned = true
			case "heal":
				partitioned = false
			case "send":
				if out[target] || paused[target] {
					t.Fatalf("seed %d step %d: a payment through %s, which is down", seed, i+1, target)
				}
				if a := s.Action.(*scenario.Send); !a.BestEffort {
					t.Fatalf("seed %d step %d: a payment that fails the run when its wallet is short", seed, i+1)
				}
				sends++
			case "load":
				if out[target] || paused[target] {
					t.Fatalf("seed %d step %d: a load burst through %s, which is down", seed, i+1, target)
				}
				if a := s.Action.(*scenario.TxLoad); !a.BestEffort {
					t.Fatalf("seed %d step %d: a load burst whose funding, undone by a reorg, fails the run", seed, i+1)
				}
				loads++
			case "converged", "payments", "utxo":
				if len(out)+len(paused) > 0 || partitioned || bootDown {
					t.Fatalf("seed %d: the invariant runs with %v out, %v paused, partitioned %v, bootstrap down %v", seed, out, paused, partitioned, bootDown)
				}
			}
			if len(out)+len(paused) > cfg.Chaos.MaxDown {
				t.Fatalf("seed %d step %d (%s): %d nodes out, max_down %d", seed, i+1, s.Name, len(out)+len(paused), cfg.Chaos.MaxDown)
			}
		}
		n := len(sched.Steps)
		if a, b, c := sched.Steps[n-3], sched.Steps[n-2], sched.Steps[n-1]; a.Kind != "converged" || b.Kind != "payments" || c.Kind != "utxo" || !strings.HasPrefix(c.Name, "invariant:") {
			t.Fatalf("seed %d: the schedule ends with %q, %q, %q", seed, a.Name, b.Name, c.Name)
		}
	}
	if sends == 0 || loads == 0 {
		t.Fatalf("20 schedules of 200 actions drew %d payments and %d load bursts", sends, loads)
	}
}

// Shrinking a schedule whose failure needs three particular actions (a
// fake run: it fails when "restart peer-2" appears three times) ends with
// those three, within the budget, and names the invariant.
func TestShrinkFindsTheFewActionsThatMatter(t *testing.T) {
	cfg := load(t)
	cfg.Chaos.Steps = 60
	var steps []Step
	for i, s := range Generate(cfg, 5) {
		steps = append(steps, s)
		if i%7 == 0 { // make sure the culprit is there, spread out
			steps = append(steps, Step{"name": "chaos x: restart peer-2", "restart": "peer-2"})
		}
	}
	s := schedule(t, steps)
	const invariant = "invariant: each UTXO set is the one its blocks make, within the subsidies, the same on every node"
	run := func(_ context.Context, cand []byte) (string, error) {
		if strings.Count(string(cand), "restart: peer-2") >= 3 {
			return invariant, nil
		}
		return "", nil
	}
	res, err := Shrink(t.Context(), s, invariant, ShrinkConfig{Reruns: 1, Budget: 60, Run: run, Say: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d actions → %d in %d runs", s.Actions(), res.Actions, res.Runs)
	if res.Actions > 3 || strings.Count(string(res.Minimal), "restart: peer-2") < 3 || !strings.Contains(string(res.Minimal), invariant) {
		t.Fatalf("minimal schedule of %d actions:\n%s", res.Actions, res.Minimal)
	}
	if _, err := scenario.Parse("minimal.yaml", res.Minimal); err != nil {
		t.Fatalf("the minimal schedule does not load: %v", err)
	}
}

// Shrinking takes nodes out of a partition's sides while the schedule
// still fails: a fake run failing while miner and peer-5 are on opposite
// sides ends with exactly those two cut apart.
func TestShrinkTakesNodesOutOfPartitions(t *testing.T) {
	steps := []Step{
		{"name": "chaos 1: partition [miner peer-1 peer-2] | [peer-3 peer-4 peer-5]", "partition": map[string][]string{
			"left": {"miner", "peer-1", "peer-2"}, "right": {"peer-3", "peer-4", "peer-5"}}},
		{"name": "chaos 2: heal", "heal": nil},
	}
	s := schedule(t, steps)
	const invariant = "invariant: every node runs and all converge on one tip"
	apart := func(cand []byte) (bool, error) {
		cfg, err := scenario.Parse("candidate.yaml", cand)
		if err != nil {
			return false, err
		}
		for _, st := range cfg.Steps {
			if p, ok := st.Action.(*scenario.Partition); ok {
				l, r := (*p)["left"], (*p)["right"]
				return slices.Contains(l, "miner") && slices.Contains(r, "peer-5"), nil
			}
		}
		return false, nil
	}
	run := func(_ context.Context, cand []byte) (string, error) {
		if ok, err := apart(cand); ok || err != nil {
			return invariant, err
		}
		return "", nil
	}
	res, err := Shrink(t.Context(), s, invariant, ShrinkConfig{Reruns: 1, Budget: 60, Run: run, Say: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := scenario.Parse("minimal.yaml", res.Minimal)
	if err != nil {
		t.Fatalf("the minimal schedule does not load: %v\n%s", err, res.Minimal)
	}
	i := slices.IndexFunc(cfg.Steps, func(st scenario.Step) bool { return st.Kind == "partition" })
	if i < 0 {
		t.Fatalf("the minimal schedule lost its partition:\n%s", res.Minimal)
	}
	p := cfg.Steps[i].Action.(*scenario.Partition)
	if l, r := (*p)["left"], (*p)["right"]; !slices.Equal(l, []string{"miner"}) || !slices.Equal(r, []string{"peer-5"}) {
		t.Fatalf("minimal partition %v | %v, want [miner] | [peer-5]:\n%s", l, r, res.Minimal)
	}
	if !strings.Contains(string(res.Minimal), "chaos 1: partition [miner] | [peer-5]") {
		t.Errorf("the minimal partition's name does not say its sides:\n%s", res.Minimal)
	}
}

// schedule is steps written as a chaos scenario of base and split for
// shrinking.
func schedule(t *testing.T, steps []Step) *Schedule {
	t.Helper()
	raw, err := Render([]byte(base), steps, 1, "base.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSchedule(raw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
