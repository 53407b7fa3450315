package load

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/node/controlapi"
)

// A refusal is counted under the node's reason, else its HTTP status, else
// as unreachable.
func TestReasonOf(t *testing.T) {
	for err, want := range map[error]string{
		&controlapi.Error{Status: 400, Reason: "mempool-full"}:    "mempool-full",
		fmt.Errorf("wrapped: %w", &controlapi.Error{Status: 503}): "http-503",
		errors.New("dial tcp: connection refused"):                "unreachable",
	} {
		if got := reasonOf(err); got != want {
			t.Errorf("reasonOf(%v) = %q, want %q", err, got, want)
		}
	}
}

func TestQuantileNearestRank(t *testing.T) {
	var v []time.Duration
	for i := 1; i <= 100; i++ {
		v = append(v, time.Duration(i)*time.Millisecond)
	}
	if p50, p99 := quantile(v, 0.5), quantile(v, 0.99); p50 != 50*time.Millisecond || p99 != 99*time.Millisecond {
		t.Errorf("p50 %s p99 %s of 1..100 ms", p50, p99)
	}
	if one := quantile(v[:1], 0.99); one != time.Millisecond {
		t.Errorf("p99 of one value: %s", one)
	}
}

// The report's lines and properties carry every figure, rejections by
// reason included.
func TestReportFigures(t *testing.T) {
	r := &Report{Submitted: 10, Accepted: 8, Confirmed: 8, Rejected: map[string]int{"mempool-full": 2},
		ConfirmedTPS: 4, Nodes: map[string]*NodeFigures{"a": {MaxMempool: 7, SigVerifications: 8}}}
	text := strings.Join(r.Lines(), "\n")
	for _, want := range []string{"submitted 10, accepted 8, rejected: mempool-full 2; confirmed 8", "largest mempool 7", "per confirmed tx (busiest node) 1.00"} {
		if !strings.Contains(text, want) {
			t.Errorf("lines lack %q:\n%s", want, text)
		}
	}
	p := r.Properties()
	if p["load.rejected.mempool-full"] != "2" || p["load.rejected_total"] != "2" || p["load.max_mempool.a"] != "7" || p["load.confirmed_tps"] != "4.0" {
		t.Errorf("properties %v", p)
	}
}

// A payment the node refuses counts once as submitted and once under its
// reason: submitted = accepted + rejected.
func TestRefusedPaymentCountedOnce(t *testing.T) {
	r := &run{report: Report{Rejected: map[string]int{}}}
	r.mu.Lock()
	r.report.Submitted++ // what submit counts before the answer
	r.rejectLocked("mempool-full")
	r.mu.Unlock()
	r.reject("sign")
	if r.report.Submitted != 2 || r.report.Rejected["mempool-full"] != 1 || r.report.Rejected["sign"] != 1 {
		t.Fatalf("report %+v", r.report)
	}
}
