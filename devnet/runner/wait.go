package runner

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/devchain/devchain/internal/fanout"
	"github.com/devchain/devchain/node/controlapi"
)

// maxStretch caps how far rising heights may push a deadline: an assertion
// with `within: 30s` gives up after 30s without progress and after 5×30s
// whatever happens.
const maxStretch = 5

// snapshot is one poll of every node's /status.
type snapshot struct {
	names  []string
	status map[string]*controlapi.Status // nil for nodes down or not answering
	errs   map[string]error
	down   map[string]string
}

// condition judges a snapshot. A non-nil error fails the wait at once (the
// condition can never hold, e.g. a node it needs was stopped).
type condition func(ctx context.Context, s *snapshot) (ok bool, report string, err error)

// WaitError is an assertion that did not hold in time, with what was seen.
type WaitError struct {
	Within, Waited time.Duration
	Report         string // what did not hold
	Nodes          string // each node's last status line
}

func (e *WaitError) Error() string {
	stretch := ""
	if e.Waited > e.Within+time.Second {
		stretch = fmt.Sprintf(", deadline stretched to %s while heights rose", e.Waited.Round(time.Second))
	}
	return fmt.Sprintf("did not hold within %s%s: %s\n%s", e.Within, stretch, e.Report, e.Nodes)
}

// poll reads every node's /status concurrently. Nodes the run stopped are
// not asked.
func (r *Runner) poll(ctx context.Context) *snapshot {
	s := &snapshot{status: map[string]*controlapi.Status{}, errs: map[string]error{}, down: map[string]string{}}
	var mu sync.Mutex
	for _, n := range r.Net.Nodes {
		s.names = append(s.names, n.Name)
	}
	_ = fanout.Each(s.names, 16, func(name string) error {
		if why := r.isDown(name); why != "" {
			mu.Lock()
			s.down[name] = why
			mu.Unlock()
			return nil
		}
		st, err := r.status(ctx, name)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			s.errs[name] = err
		} else {
			s.status[name] = st
		}
		return nil
	})
	return s
}

func (r *Runner) status(ctx context.Context, name string) (*controlapi.Status, error) {
	c, err := r.client(name)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	st, err := c.Status(ctx)
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// lines renders a snapshot for the display and for failure reports.
func (s *snapshot) lines() map[string]string {
	width := 0
	for _, n := range s.names {
		width = max(width, len(n))
	}
	out := map[string]string{}
	for _, n := range s.names {
		out[n] = statusLine(n, s.status[n], s.errs[n], s.down[n], width)
	}
	return out
}

func (s *snapshot) table() string {
	lines := s.lines()
	var b strings.Builder
	for _, n := range s.names {
		b.WriteString("    " + lines[n] + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// heights is the progress measure: the sum of every answering node's height.
func (s *snapshot) heights() uint64 {
	var sum uint64
	for _, st := range s.status {
		sum += st.Height
	}
	return sum
}

// waitFor polls until cond holds. The deadline starts `within` away and is
// pushed to `within` after the last visible progress (progress rising), up
// to maxStretch×within; on failure the error holds cond's report and every
// node's last status.
func (r *Runner) waitFor(ctx context.Context, within time.Duration, progress func(*snapshot) uint64, cond condition) error {
	start := r.now()
	deadline, hardStop := start.Add(within), start.Add(maxStretch*within)
	disp := newDisplay(r.Out)
	defer disp.clear()
	tick := time.NewTicker(r.Poll)
	defer tick.Stop()
	var best uint64
	for first := true; ; first = false {
		snap := r.poll(ctx)
		ok, report, err := cond(ctx, snap)
		if err != nil || ok {
			return err
		}
		// Only a wait that did not hold at once is worth status lines.
		disp.show(snap.names, snap.lines())
		now := r.now()
		if p := progress(snap); p > best {
			if !first {
				deadline = minTime(maxTime(deadline, now.Add(within)), hardStop)
			}
			best = p
		}
		if now.After(deadline) {
			return &WaitError{Within: within, Waited: now.Sub(start), Report: report, Nodes: snap.table()}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("interrupted while waiting (%s): %w", report, ctx.Err())
		case <-tick.C:
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
