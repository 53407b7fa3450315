package eventlog

import (
	"context"
	"testing"
	"time"

	"github.com/devchain/devchain/node/controlapi"
)

// A reader gets the events after the one it saw, in order; one that fell
// behind the ring is told how many it missed; a waiting reader is woken by
// the next event and a reader that does not wait gets none at once.
func TestSinceFollowsTheLog(t *testing.T) {
	l := New()
	if r := l.Since(context.Background(), 0, 0); len(r.Events) != 0 || r.Last != 0 {
		t.Fatalf("empty log: %+v", r)
	}
	for i := range Capacity + 5 {
		l.Add(controlapi.Event{Kind: controlapi.EventMined, Height: uint64(i + 1)})
	}
	r := l.Since(context.Background(), 0, 0)
	if r.Missed != 5 || len(r.Events) != Capacity || r.Events[0].Seq != 6 || r.Last != Capacity+5 {
		t.Fatalf("behind the ring: missed %d, %d events from seq %d, last %d", r.Missed, len(r.Events), r.Events[0].Seq, r.Last)
	}
	if r := l.Since(context.Background(), r.Last-2, 0); len(r.Events) != 2 || r.Events[1].Seq != r.Last || r.Missed != 0 {
		t.Fatalf("the last two: %+v", r)
	}

	// Whether the reader is already waiting when the event comes or asks
	// after it, it gets that event and no other.
	last, got := r.Last, make(chan controlapi.EventsReply)
	go func() { got <- l.Since(context.Background(), last, time.Minute) }()
	l.Add(controlapi.Event{Kind: controlapi.EventReorg, Depth: 2})
	if r := <-got; len(r.Events) != 1 || r.Events[0].Kind != controlapi.EventReorg || r.Events[0].Depth != 2 {
		t.Fatalf("the waiting reader got %+v", r)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r := l.Since(ctx, l.Since(context.Background(), 0, 0).Last, time.Minute); len(r.Events) != 0 {
		t.Fatalf("a cancelled wait returned events: %+v", r)
	}
}
