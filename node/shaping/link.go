package shaping

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Link applies a Rule to the messages sent to one peer, in the order they
// are sent. Safe for concurrent use: the rule can change while messages
// wait.
type Link struct {
	mu      sync.Mutex
	rule    Rule
	limiter *rate.Limiter // nil without a bandwidth cap
	last    time.Time     // the latest due time handed out: none goes before it
}

// NewLink returns a Link under r (already validated).
func NewLink(r Rule) *Link {
	l := &Link{}
	l.Set(r)
	return l
}

// Set changes the rule; messages already stamped keep their due time.
func (l *Link) Set(r Rule) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rule = r
	l.limiter = nil
	if r.Bandwidth > 0 {
		bytesPerSec := float64(r.Bandwidth) / 8
		l.limiter = rate.NewLimiter(rate.Limit(bytesPerSec), burst(bytesPerSec))
	}
}

// burst is the bucket size: 10 ms of traffic, and at least one Ethernet
// frame's worth, so small caps still send whole messages in few pieces
// while the rate holds over any stretch longer than a few milliseconds.
func burst(bytesPerSec float64) int {
	return max(1500, int(bytesPerSec/100))
}

// Rule is the rule in force.
func (l *Link) Rule() Rule {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rule
}

// Due is when a message queued at now may leave: now plus the delay and a
// draw of the jitter, but never before the message queued before it. The
// zero time means at once.
func (l *Link) Due(now time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rule.Delay == 0 {
		return time.Time{}
	}
	d := l.rule.Delay
	if j := l.rule.Jitter; j > 0 {
		d += time.Duration(rand.Int64N(int64(2*j)+1)) - j
	}
	due := now.Add(d)
	if due.Before(l.last) {
		due = l.last
	}
	l.last = due
	return due
}

// Lost draws whether one piece of gossip is dropped.
func (l *Link) Lost() bool {
	l.mu.Lock()
	loss := l.rule.Loss
	l.mu.Unlock()
	return loss > 0 && rand.Float64() < loss
}

// Lossy tells whether gossip on this link can be lost.
func (l *Link) Lossy() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rule.Loss > 0
}

// Send hands b to write after due, in pieces no faster than the bandwidth
// cap. It returns ctx's error if ctx ends while it waits.
func (l *Link) Send(ctx context.Context, due time.Time, b []byte, write func([]byte) error) error {
	if wait := time.Until(due); !due.IsZero() && wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	l.mu.Lock()
	lim := l.limiter
	l.mu.Unlock()
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
