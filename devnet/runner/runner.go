// Package runner is the life of a devnet run, one file per stage so a run
// reads top to bottom: setup (state, wallets), start (nodes, readiness),
// perturb (actions), wait (deadlines that stretch while heights rise), test
// (assertions), cleanup (artefacts, teardown).
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/load"
	"github.com/devchain/devchain/devnet/scenario"
	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/devnet/state"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/shaping"
)

// Runner runs one scenario on one runtime.
type Runner struct {
	Config  *scenario.Config
	Net     *spec.Network
	Backend backend.Backend
	// Store keeps the devnet's record while it runs; nil keeps none.
	Store *state.Store
	// Out receives the step log and the status lines.
	Out io.Writer
	// Artifacts is where a failed run leaves logs, /status and the step
	// log; "" keeps none.
	Artifacts string
	// Report is where Run writes its report (sample.go); "" writes none.
	Report string
	// OnStep, when set, is told of each step as it starts and ends, with
	// the step log's line (a live view's timeline).
	OnStep func(line string, failed bool)
	// Keep leaves the devnet running after Run.
	Keep bool
	// Poll is the interval of status polls (default 500ms).
	Poll time.Duration
	// ReadyWithin bounds readiness the way `within` bounds an assertion.
	ReadyWithin time.Duration

	// now is the clock of deadlines (tests drive it).
	now     func() time.Time
	steps   stepLog
	display *display
	results []Result

	mu   sync.Mutex
	down map[string]string // node → "stopped", "killed" or "paused"
	// links are the rules shape steps set, by (from, to) node; linksStale
	// the nodes that were down when theirs changed.
	links      map[[2]string]shaping.Rule
	linksStale map[string]bool
	// loads are the reports of the load steps so far; stepProps the
	// figures the running step gives its JUnit testcase.
	loads     []*load.Report
	stepProps map[string]string
	// sent are the payments the send steps got accepted; stepName is the
	// step running, which they name.
	sent     []payment
	stepName string
	// addrs are the addresses of the wallets "node/alias" named so far.
	addrs map[string]string
}

// StepError is the failure of a step of the scenario, the first of a run.
type StepError struct {
	Index int // 1-based
	Step  *scenario.Step
	Err   error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("step %d %q (%s) failed: %v", e.Index, e.Step.Name, e.Step.Pos, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// Result is the outcome of one step.
type Result struct {
	Step     *scenario.Step
	Start    time.Time
	Duration time.Duration
	Err      error
	Skipped  bool
	// Properties are figures the step measured (a load step's), for JUnit.
	Properties map[string]string
}

// New returns a runner for cfg on be. Net must come from cfg.Spec().
func New(cfg *scenario.Config, net *spec.Network, be backend.Backend, store *state.Store, out io.Writer) *Runner {
	return &Runner{
		Config: cfg, Net: net, Backend: be, Store: store, Out: out,
		Poll: 500 * time.Millisecond, ReadyWithin: 60 * time.Second,
		now: time.Now, steps: stepLog{out: out},
		down: map[string]string{}, links: map[[2]string]shaping.Rule{}, linksStale: map[string]bool{},
		addrs: map[string]string{},
	}
}

// Up sets the devnet up and waits until it is ready. On failure or
// cancellation it tears down what it started.
func (r *Runner) Up(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			r.teardown(ctx, err)
		}
	}()
	if err := r.Setup(ctx); err != nil {
		return err
	}
	return r.Start(ctx)
}

// Run is up, every step, then down (unless Keep). It fails if any step
// failed; the error names the first failed step.
func (r *Runner) Run(ctx context.Context) (err error) {
	var smp *sampler
	defer func() {
		r.writeReport(ctx, smp, err) // first: it reads nodes that teardown removes
		if err != nil {
			r.teardown(ctx, err)
			return
		}
		if !r.Keep {
			err = r.Down(ctx)
		}
	}()
	if err := r.Setup(ctx); err != nil {
		return err
	}
	if err := r.Start(ctx); err != nil {
		return err
	}
	smp = r.startSampling(ctx)
	return r.RunSteps(ctx)
}

// RunSteps runs the scenario's steps in order; after the first failure the
// rest are skipped (they build on it).
func (r *Runner) RunSteps(ctx context.Context) error {
	var failed error
	for i := range r.Config.Steps {
		s := &r.Config.Steps[i]
		if failed != nil {
			r.results = append(r.results, Result{Step: s, Skipped: true})
			continue
		}
		r.steps.printf("step %d/%d (%s): %s", i+1, len(r.Config.Steps), s.Pos, s.Name)
		r.onStep(false, "step %d/%d: %s", i+1, len(r.Config.Steps), s.Name)
		r.mu.Lock()
		r.stepName = fmt.Sprintf("%d: %s", i+1, s.Name)
		r.mu.Unlock()
		start := time.Now()
		err := r.step(ctx, s)
		if err == nil && ctx.Err() != nil {
			err = ctx.Err()
		}
		r.mu.Lock()
		props := r.stepProps
		r.stepProps = nil
		r.mu.Unlock()
		r.results = append(r.results, Result{Step: s, Start: start, Duration: time.Since(start), Err: err, Properties: props})
		if err != nil {
			r.steps.printf("FAIL %s: %v", s.Name, err)
			r.onStep(true, "step %d FAILED: %s: %v", i+1, s.Name, err)
			failed = &StepError{Index: i + 1, Step: s, Err: err}
			continue
		}
		r.steps.printf("ok   %s (%s)", s.Name, time.Since(start).Round(time.Millisecond))
		r.onStep(false, "step %d ok: %s (%s)", i+1, s.Name, time.Since(start).Round(time.Millisecond))
	}
	return failed
}

func (r *Runner) onStep(failed bool, format string, args ...any) {
	if r.OnStep != nil {
		r.OnStep(fmt.Sprintf(format, args...), failed)
	}
}

// step dispatches one step to its stage.
func (r *Runner) step(ctx context.Context, s *scenario.Step) error {
	if s.IsAssertion() {
		return r.assert(ctx, s)
	}
	return r.act(ctx, s)
}

// client returns the control API client of a node, at the endpoint its
// backend gives, with the devnet's token the backend handed the nodes.
func (r *Runner) client(name string) (*controlapi.Client, error) {
	return backend.Client(r.Backend, name)
}

// unsentRetry bounds how long a step resends a request that provably never
// reached its node.
const unsentRetry = 10 * time.Second

// call runs fn against the node's control API. A request that was never
// sent (the dial was refused or timed out: a node still starting, or its
// address not yet routed) is tried again for up to unsentRetry; any other
// error is final, so a payment or a mint that may have reached the node is
// never sent twice.
func (r *Runner) call(ctx context.Context, name string, fn func(*controlapi.Client) error) error {
	c, err := r.client(name)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(unsentRetry)
	for {
		err := fn(c)
		if !notSent(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// notSent tells an error that proves the request never left: it failed
// while dialling.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func (r *Runner) setDown(name, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if why == "" {
		delete(r.down, name)
		return
	}
	r.down[name] = why
}

// isDown says why a node is not expected to answer ("" when it runs).
func (r *Runner) isDown(name string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.down[name]
}

// stepLog is the scenario's step log: shown to the user and kept for the
// artefacts of a failed run.
type stepLog struct {
	mu    sync.Mutex
	out   io.Writer
	lines []string
}

func (l *stepLog) printf(format string, args ...any) {
	line := time.Now().UTC().Format("15:04:05.000 ") + fmt.Sprintf(format, args...)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
	if l.out != nil {
		fmt.Fprintln(l.out, line)
	}
}

func (l *stepLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s string
	for _, line := range l.lines {
		s += line + "\n"
	}
	return s
}
