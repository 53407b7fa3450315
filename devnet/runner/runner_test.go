package runner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/devnet/scenario"
	"github.com/devchain/devchain/devnet/state"
	"github.com/devchain/devchain/internal/testutil"
)

const fakeNet = `name: fake
nodes:
  - name: a
    minter: w1
  - name: b
steps:
`

// newTestRunner loads fakeNet+steps and wires it to fake nodes. Every poll
// advances the runner's clock by tick, so deadlines are counted in polls.
func newTestRunner(t *testing.T, steps string, nodes map[string]*fakeNode) (*Runner, *fakeBackend, *bytes.Buffer) {
	t.Helper()
	cfg, err := scenario.Parse("fake.yaml", []byte(fakeNet+steps))
	if err != nil {
		t.Fatal(err)
	}
	net, err := cfg.Spec()
	if err != nil {
		t.Fatal(err)
	}
	if nodes["bootstrap"] == nil {
		nodes["bootstrap"] = &fakeNode{role: "bootstrap", peers: 2}
	}
	rt := newFakeBackend(t, nodes)
	var out bytes.Buffer
	r := New(cfg, net, rt, &state.Store{Root: t.TempDir()}, &out)
	r.Poll = time.Millisecond
	clock := time.Unix(0, 0)
	r.now = func() time.Time {
		clock = clock.Add(100 * time.Millisecond)
		return clock
	}
	return r, rt, &out
}

func twoNodes(a, b *fakeNode) map[string]*fakeNode {
	for _, n := range []*fakeNode{a, b} {
		n.role, n.peers, n.via = "node", 1, "rendezvous"
	}
	return map[string]*fakeNode{"a": a, "b": b}
}

func TestDeadlineStretchesWhileHeightsRise(t *testing.T) {
	// 30 polls to reach height 30 = 3s of runner clock, past within: 1s;
	// it holds only because rising heights push the deadline out.
	r, _, _ := newTestRunner(t, "  - height: {node: all, min: 30, within: 1s}\n",
		twoNodes(&fakeNode{rise: 1}, &fakeNode{rise: 1}))
	if err := r.RunSteps(context.Background()); err != nil {
		t.Fatalf("want the stretched deadline to hold: %v", err)
	}
}

func TestDeadlineFailsWithReportWhenStalled(t *testing.T) {
	r, _, _ := newTestRunner(t, "  - height: {node: all, min: 10, within: 1s}\n",
		twoNodes(&fakeNode{height: 3}, &fakeNode{height: 12}))
	err := r.RunSteps(context.Background())
	var we *WaitError
	if !errors.As(err, &we) {
		t.Fatalf("want a WaitError, got %v", err)
	}
	if !strings.Contains(we.Report, "a: height 3 < 10") || strings.Contains(we.Report, "b:") {
		t.Errorf("report should name a (and only a): %q", we.Report)
	}
	if !strings.Contains(we.Nodes, "b") || !strings.Contains(we.Nodes, "height 12") {
		t.Errorf("node table should show every node: %q", we.Nodes)
	}
}

func TestDeadlineStretchIsCapped(t *testing.T) {
	// Heights rise forever but the tips never agree: the wait must end at
	// maxStretch×within rather than run forever.
	a, b := &fakeNode{rise: 1, chain: "x", forkAt: 1}, &fakeNode{rise: 1, chain: "y", forkAt: 1}
	r, _, _ := newTestRunner(t, "  - converged: {within: 1s}\n", twoNodes(a, b))
	err := r.RunSteps(context.Background())
	var we *WaitError
	if !errors.As(err, &we) || !strings.Contains(err.Error(), "stretched") {
		t.Fatalf("want a stretched WaitError, got %v", err)
	}
}

func TestConvergedReportsTipsAndForkHeight(t *testing.T) {
	a := &fakeNode{height: 9, chain: "left", forkAt: 5}
	b := &fakeNode{height: 7, chain: "right", forkAt: 5}
	r, _, _ := newTestRunner(t, "  - converged: {within: 1s}\n", twoNodes(a, b))
	err := r.RunSteps(context.Background())
	if err == nil {
		t.Fatal("forked nodes reported converged")
	}
	for _, want := range []string{"2 different tips", "tip left-9 height 9 on a", "tip right-7 height 7 on b", "chains fork at height 5 (last common block at 4)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("report lacks %q:\n%v", want, err)
		}
	}
}

func TestConvergedSkipsStoppedNodes(t *testing.T) {
	a := &fakeNode{height: 4}
	b := &fakeNode{height: 2, chain: "old", forkAt: 1}
	r, rt, _ := newTestRunner(t, "  - stop: b\n  - converged: {within: 1s}\n", twoNodes(a, b))
	if err := r.RunSteps(context.Background()); err != nil {
		t.Fatalf("a stopped node must not count against convergence: %v", err)
	}
	if !rt.called("stop b") {
		t.Error("stop step did not reach the runtime")
	}
}

func TestStepsReachTheRuntime(t *testing.T) {
	steps := `  - partition: {left: [a], right: [b]}
  - heal:
  - kill: b
  - start: b
  - pause: a
  - unpause: a
  - restart: [a, b]
  - stop: bootstrap
  - stop: b
  - mint: {node: b, minter: w1, offline: true, blocks: 2}
  - log: {node: a, match: "mined block [0-9]+"}
`
	a := &fakeNode{log: "x\nmined block 7\n"}
	r, rt, _ := newTestRunner(t, steps, twoNodes(a, &fakeNode{}))
	if err := r.RunSteps(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, call := range []string{"partition [[a] [b]]", "heal", "kill b", "start b", "pause a", "unpause a",
		"stop a", "start a", "stop bootstrap", "exec b mint -minter w1 -blocks 2"} {
		if !rt.called(call) {
			t.Errorf("runtime never saw %q; calls: %v", call, rt.calls)
		}
	}
}

func TestOfflineMintNeedsStoppedNode(t *testing.T) {
	r, _, _ := newTestRunner(t, "  - mint: {node: a, minter: w1, offline: true}\n", twoNodes(&fakeNode{}, &fakeNode{}))
	err := r.RunSteps(context.Background())
	if err == nil || !strings.Contains(err.Error(), "needs a stopped node") {
		t.Fatalf("want a refusal, got %v", err)
	}
}

func TestFailedRunTearsDownAndKeepsArtefacts(t *testing.T) {
	steps := "  - height: {node: a, min: 100, within: 1s}\n  - heal:\n"
	a := &fakeNode{height: 1, log: "node a log line\n"}
	r, rt, _ := newTestRunner(t, steps, twoNodes(a, &fakeNode{height: 1}))
	r.Artifacts = filepath.Join(t.TempDir(), "artefacts")
	err := r.Run(context.Background())
	if err == nil {
		t.Fatal("run passed with a failing assertion")
	}
	if !rt.called("down") {
		t.Error("failed run was not torn down")
	}
	if rt.called("heal") {
		t.Error("steps after the failure ran")
	}
	if !rt.called("exec a listaddresses") || !rt.called("exec a createwallet -alias w1") {
		t.Errorf("setup did not create the minter wallet offline: %v", rt.calls)
	}
	logA, _ := os.ReadFile(filepath.Join(r.Artifacts, "a.log"))
	status, _ := os.ReadFile(filepath.Join(r.Artifacts, "b.status.json"))
	steps2, _ := os.ReadFile(filepath.Join(r.Artifacts, "steps.log"))
	if string(logA) != "node a log line\n" || !strings.Contains(string(status), `"height"`) || !strings.Contains(string(steps2), "FAIL") {
		t.Errorf("artefacts: a.log=%q b.status.json=%q steps.log=%q", logA, status, steps2)
	}
	var junit bytes.Buffer
	if err := r.WriteJUnit(&junit, err); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`tests="2"`, `failures="1"`, `skipped="1"`, `<failure message="did not hold within 1s`} {
		if !strings.Contains(junit.String(), want) {
			t.Errorf("junit lacks %s:\n%s", want, junit.String())
		}
	}
}

func TestCancelledRunTearsDown(t *testing.T) {
	r, rt, _ := newTestRunner(t, "  - sleep: 1h\n", twoNodes(&fakeNode{}, &fakeNode{}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	waitUntil(t, func() bool { return strings.Contains(r.steps.String(), "sleep 1h") })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("want context.Canceled, got %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if !rt.called("down") {
		t.Error("cancelled run was not torn down")
	}
	if _, err := os.Stat(r.Store.Dir(r.Net.Name)); !os.IsNotExist(err) {
		t.Errorf("state dir left behind: %v", err)
	}
}

func TestSuccessfulRunRemovesDevnet(t *testing.T) {
	r, rt, out := newTestRunner(t, "  - peers: {node: all, min: 1}\n", twoNodes(&fakeNode{}, &fakeNode{}))
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !rt.called("down") || !rt.called("start a") || !rt.called("start bootstrap") {
		t.Errorf("calls: %v", rt.calls)
	}
	if !strings.Contains(out.String(), "ok   peers >= 1 on all") {
		t.Errorf("step log: %s", out)
	}
}

// waitUntil polls cond with a deadline (no sleeps as synchronisation).
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	testutil.WaitFor(t, 20*time.Second, "the condition", cond)
}
