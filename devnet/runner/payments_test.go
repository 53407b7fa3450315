package runner

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// A payment is judged against one main chain: confirmed, dead (an input
// spent by another confirmed tx, or funded by a tx the chain lost), or
// lost (it could confirm and did not); a child is dead with its parent
// and lost with it.
func TestPaymentJudgement(t *testing.T) {
	v := &chainView{
		confirmed: map[string]bool{"fund": true, "paid": true, "rival": true},
		spentBy:   map[string]string{"fund:0": "paid", "fund:1": "rival"},
	}
	sent := map[string]*payment{
		"paid":      {txid: "paid", inputs: []string{"fund:0"}},
		"conflict":  {txid: "conflict", inputs: []string{"fund:1"}},
		"orphaned":  {txid: "orphaned", inputs: []string{"lostcoinbase:0"}},
		"deadchild": {txid: "deadchild", inputs: []string{"conflict:0"}},
		"lost":      {txid: "lost", inputs: []string{"fund:2"}},
		"lostchild": {txid: "lostchild", inputs: []string{"lost:0"}},
	}
	for id, want := range map[string]bool{"conflict": true, "orphaned": true, "deadchild": true, "lost": false, "lostchild": false} {
		if got := v.dead(sent[id], sent); got != want {
			t.Errorf("%s: dead = %v, want %v", id, got, want)
		}
	}
}

// A step that would kill, stop, restart or pause a node the run believes
// running finds it gone instead: it exited on its own, and the step says
// so rather than hiding it.
func TestNodeGoneOnItsOwnIsAnExit(t *testing.T) {
	r, rt, _ := newTestRunner(t, "  - kill: b\n", twoNodes(&fakeNode{}, &fakeNode{}))
	rt.srv["b"].Close()
	err := r.RunSteps(context.Background())
	var exited *ExitedError
	if !errors.As(err, &exited) || exited.Node != "b" || !strings.Contains(err.Error(), "exited on its own") {
		t.Fatalf("want b's exit named, got %v", err)
	}
	if rt.called("kill b") {
		t.Fatal("the step killed b anyway")
	}
}
