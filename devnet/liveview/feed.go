package liveview

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/node/controlapi"
)

// feeds follow every chain node's own event log (GET /events, a long
// poll): reorgs with their depth and bans come from the node that saw
// them, and any event wakes the poller at once, so the page shows a new
// block well within a second instead of at the next tick.
type feeds struct {
	mu      sync.Mutex
	live    map[string]bool // nodes whose event log answered last time
	pending []Event         // node events for the timeline, not yet taken
	kick    chan struct{}   // one pending wake-up of the poller
}

func newFeeds() *feeds {
	return &feeds{live: map[string]bool{}, kick: make(chan struct{}, 1)}
}

// feedRetry is the pause before asking a node that did not answer again
// (stopped, paused, or a chaind without GET /events).
const feedRetry = time.Second

// follow reads one node's events until ctx ends.
func (f *feeds) follow(ctx context.Context, s *Server, name string) {
	var after uint64
	for ctx.Err() == nil {
		r, err := f.ask(ctx, s, name, after)
		f.mu.Lock()
		f.live[name] = err == nil
		f.mu.Unlock()
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(feedRetry):
			}
			continue
		}
		if r.Last < after { // the node started again: its log did too
			after = 0
			continue
		}
		after = r.Last
		f.take(name, r.Events)
	}
}

func (f *feeds) ask(ctx context.Context, s *Server, name string, after uint64) (controlapi.EventsReply, error) {
	base, err := s.opts.Backend.Endpoint(name)
	if err != nil {
		return controlapi.EventsReply{}, err
	}
	return controlapi.NewClient(base).Events(ctx, after, controlapi.MaxEventsWait)
}

// take turns a node's events into timeline entries (reorgs and bans: what
// polls cannot see or see only in part) and wakes the poller.
func (f *feeds) take(name string, events []controlapi.Event) {
	if len(events) == 0 {
		return
	}
	f.mu.Lock()
	for _, e := range events {
		switch e.Kind {
		case controlapi.EventReorg:
			f.pending = append(f.pending, Event{Time: e.At, Kind: "reorg", Node: name,
				Text: fmt.Sprintf("%s reorganised %d block%s deep, to %s at height %d", name, e.Depth, plural(e.Depth), short(e.Tip), e.Height)})
		case controlapi.EventBan:
			f.pending = append(f.pending, Event{Time: e.At, Kind: "ban", Node: name,
				Text: fmt.Sprintf("%s banned %s: %s", name, short(e.Peer), e.Detail)})
		}
	}
	f.mu.Unlock()
	f.wake()
}

// note adds e to the timeline with the next poll, which it brings forward.
func (f *feeds) note(e Event) {
	f.mu.Lock()
	f.pending = append(f.pending, e)
	f.mu.Unlock()
	f.wake()
}

func (f *feeds) wake() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// drain takes the pending events and which nodes' logs answer.
func (f *feeds) drain() ([]Event, map[string]bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.pending
	f.pending = nil
	live := map[string]bool{}
	for n, ok := range f.live {
		live[n] = ok
	}
	return out, live
}

// start follows every chain node (a bootstrap keeps no event log) until
// ctx ends; wait waits for them to stop.
func (f *feeds) start(ctx context.Context, s *Server) (wait func()) {
	var wg sync.WaitGroup
	for _, n := range s.opts.Net.Nodes {
		if n.Role == spec.RoleBootstrap {
			continue
		}
		wg.Go(func() { f.follow(ctx, s, n.Name) })
	}
	return wg.Wait
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
