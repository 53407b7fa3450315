// Package eventlog keeps a node's recent events (peers met and lost, bans,
// reorgs, blocks mined) for GET /events: a bounded ring a reader follows
// by sequence number, waiting for the next event if it wants to (long
// poll), so a web view learns of a reorg without polling every block.
package eventlog

import (
	"context"
	"sync"
	"time"

	"github.com/devchain/devchain/node/controlapi"
)

// Capacity is how many events a node keeps: a reader that fell further
// behind is told how many it missed.
const Capacity = 1000

// Log is a node's event log; safe for concurrent use.
type Log struct {
	mu     sync.Mutex
	ring   []controlapi.Event // the last Capacity events, oldest first
	next   uint64             // Seq of the next event; events start at 1
	notify chan struct{}      // closed and replaced on each Add
	now    func() time.Time
}

// New returns an empty log.
func New() *Log {
	return &Log{next: 1, notify: make(chan struct{}), now: time.Now}
}

// Add records e, stamping its Seq and At.
func (l *Log) Add(e controlapi.Event) {
	l.mu.Lock()
	e.Seq, e.At = l.next, l.now().UTC()
	l.next++
	if len(l.ring) == Capacity {
		l.ring = append(l.ring[:0], l.ring[1:]...)
	}
	l.ring = append(l.ring, e)
	close(l.notify)
	l.notify = make(chan struct{})
	l.mu.Unlock()
}

// Since gives the events after sequence number after, waiting up to wait
// for one when there is none yet (ctx ends the wait too). Missed counts
// the events after `after` the log no longer holds.
func (l *Log) Since(ctx context.Context, after uint64, wait time.Duration) controlapi.EventsReply {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		reply, notify := l.sinceLocked(after), l.notify
		l.mu.Unlock()
		if len(reply.Events) > 0 || wait <= 0 {
			return reply
		}
		select {
		case <-notify:
		case <-deadline.C:
			return reply
		case <-ctx.Done():
			return reply
		}
	}
}

func (l *Log) sinceLocked(after uint64) controlapi.EventsReply {
	reply := controlapi.EventsReply{Events: []controlapi.Event{}, Last: l.next - 1}
	if after+1 >= l.next {
		return reply
	}
	first := l.next - uint64(len(l.ring)) // Seq of the oldest held
	if after+1 < first {
		reply.Missed = first - after - 1
		after = first - 1
	}
	reply.Events = append(reply.Events, l.ring[after+1-first:]...)
	return reply
}
