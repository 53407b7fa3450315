package daemon

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/devchain/devchain/node/controlapi"
)

// A node's event log, read through GET /events, tells the block it mined,
// the peer it met and from where, the reorg that peer's longer chain
// caused and how deep, and (to a reader waiting on it) the peer leaving.
func TestEventsTellPeersAndReorgs(t *testing.T) {
	ctx := context.Background()
	a, b := startNode(t, testConfig(t, "a")), startNode(t, testConfig(t, "b"))
	a.mint(t, "wa", 1)
	b.mint(t, "wb", 2)
	if err := b.Host.Connect(ctx, info(a)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "a to reorganise onto b's chain", func() bool { return a.tip() == b.tip() })
	var got controlapi.EventsReply
	waitFor(t, 5*time.Second, "a's events to tell the reorg", func() bool {
		var err error
		got, err = a.client().Events(ctx, 0, 0)
		return err == nil && slices.ContainsFunc(got.Events, func(e controlapi.Event) bool { return e.Kind == controlapi.EventReorg })
	})
	kinds := map[string]controlapi.Event{}
	for _, e := range got.Events {
		kinds[e.Kind] = e
	}
	if e := kinds[controlapi.EventMined]; e.Height != 1 {
		t.Errorf("mined event %+v, want height 1", e)
	}
	if e := kinds[controlapi.EventPeerUp]; e.Peer != b.Host.ID().String() || e.Detail != controlapi.ViaInbound {
		t.Errorf("peer-up event %+v, want b, inbound", e)
	}
	if e := kinds[controlapi.EventReorg]; e.Depth != 1 || e.Height != 2 || e.Tip != b.tip().String() {
		t.Errorf("reorg event %+v, want depth 1 to b's tip at height 2", e)
	}

	left := make(chan controlapi.EventsReply, 1)
	go func() {
		r, _ := a.client().Events(ctx, got.Last, controlapi.MaxEventsWait)
		left <- r
	}()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-left:
		if len(r.Events) == 0 || r.Events[0].Kind != controlapi.EventPeerDown || r.Events[0].Peer != b.Host.ID().String() {
			t.Fatalf("the waiting reader got %+v, want b's peer-down", r)
		}
	case <-time.After(controlapi.MaxEventsWait + 5*time.Second):
		t.Fatal("the waiting reader got nothing")
	}
	if _, err := a.client().Events(ctx, 0, time.Hour); err == nil {
		t.Error("a wait of an hour was accepted")
	}
}
