package shaping

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Link applies a Rule to the messages sent to one peer, in the order they
// are sent. Safe for concurrent use: the rule can change while messages
// wait. A nil *Link is no layer at all: it sends at once and never loses
// (what the shaping layer's cost is measured against).
type Link struct {
	// cur is the rule in force and its bucket, swapped whole by Set: the
	// path of a message with no rule takes no lock.
	cur atomic.Pointer[linkState]

	mu   sync.Mutex // guards last
	last time.Time  // the latest due time handed out: none goes before it
}

type linkState struct {
	rule    Rule
	limiter *rate.Limiter // nil without a bandwidth cap
}

// NewLink returns a Link under r (already validated).
func NewLink(r Rule) *Link {
	l := &Link{}
	l.Set(r)
	return l
}

// Set changes the rule; messages already stamped keep their due time.
func (l *Link) Set(r Rule) {
	if l == nil {
		return
	}
	st := &linkState{rule: r}
	if r.Bandwidth > 0 {
		bytesPerSec := float64(r.Bandwidth) / 8
		st.limiter = rate.NewLimiter(rate.Limit(bytesPerSec), burst(bytesPerSec))
	}
	l.cur.Store(st)
}

// burst is the bucket size: 10 ms of traffic, and at least one Ethernet
// frame's worth, so small caps still send whole messages in few pieces
// while the rate holds over any stretch longer than a few milliseconds.
func burst(bytesPerSec float64) int {
	return max(1500, int(bytesPerSec/100))
}

// Rule is the rule in force.
func (l *Link) Rule() Rule {
	if l == nil {
		return Rule{}
	}
	return l.cur.Load().rule
}

// Due is when a message queued at now may leave: now plus the delay and a
// draw of the jitter, but never before the message queued before it. The
// zero time means at once.
func (l *Link) Due(now time.Time) time.Time {
	if l == nil {
		return time.Time{}
	}
	r := l.cur.Load().rule
	if r.Delay == 0 {
		return time.Time{}
	}
	d := r.Delay
	if j := r.Jitter; j > 0 {
		d += time.Duration(rand.Int64N(int64(2*j)+1)) - j
	}
	due := now.Add(d)
	l.mu.Lock()
	defer l.mu.Unlock()
	if due.Before(l.last) {
		due = l.last
	}
	l.last = due
	return due
}

// Lost draws whether one piece of gossip is dropped.
func (l *Link) Lost() bool {
	if l == nil {
		return false
	}
	loss := l.cur.Load().rule.Loss
	return loss > 0 && rand.Float64() < loss
}

// Lossy tells whether gossip on this link can be lost.
func (l *Link) Lossy() bool {
	return l != nil && l.cur.Load().rule.Loss > 0
}

// Send hands b to write after due, in pieces no faster than the bandwidth
// cap. It returns ctx's error if ctx ends while it waits.
func (l *Link) Send(ctx context.Context, due time.Time, b []byte, write func([]byte) error) error {
	if l == nil {
		return write(b)
	}
	if wait := time.Until(due); !due.IsZero() && wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	lim := l.cur.Load().limiter
	if lim == nil {
		return write(b)
	}
	for len(b) > 0 {
		n := min(len(b), lim.Burst())
		if err := lim.WaitN(ctx, n); err != nil {
			return err
		}
		if err := write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}
