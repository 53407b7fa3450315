package load

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Report is what a load run did: what `load.json` holds and the step log
// and JUnit properties show.
type Report struct {
	Wallets int     `json:"wallets"`
	Rate    float64 `json:"rate"` // asked, tx/s; 0: as fast as accepted
	Seconds float64 `json:"seconds"`
	Fee     uint64  `json:"fee"`

	Submitted int            `json:"submitted"`
	Accepted  int            `json:"accepted"`
	Rejected  map[string]int `json:"rejected"` // by reason (mempool.Reason, http-N, unreachable)
	Confirmed int            `json:"confirmed"`
	// SubmitSeconds is how long submitting took; AcceptedTPS the payments
	// accepted per second of it; ConfirmedTPS the payments confirmed per
	// second from the first submission to the last confirmation.
	SubmitSeconds float64 `json:"submit_seconds"`
	AcceptedTPS   float64 `json:"accepted_tps"`
	ConfirmedTPS  float64 `json:"confirmed_tps"`
	// LatencyP50 and LatencyP99 are seconds from submission to the
	// watching node seeing the block that confirmed it.
	LatencyP50 float64 `json:"latency_p50_s"`
	LatencyP99 float64 `json:"latency_p99_s"`

	Nodes map[string]*NodeFigures `json:"nodes"`
}

// NodeFigures are one target's figures over the run.
type NodeFigures struct {
	MaxMempool  int    `json:"max_mempool"`
	MaxRSSBytes uint64 `json:"max_rss_bytes"`
	// SigVerifications is how many input signatures the node verified
	// during the run; each payment has one input, so with the signature
	// cache it is about Confirmed.
	SigVerifications uint64 `json:"sig_verifications"`
	sigsBefore       uint64
}

// Lines are the report as the step log shows it.
func (r *Report) Lines() []string {
	var rejected []string
	for _, k := range slices.Sorted(maps.Keys(r.Rejected)) {
		rejected = append(rejected, fmt.Sprintf("%s %d", k, r.Rejected[k]))
	}
	if len(rejected) == 0 {
		rejected = []string{"none"}
	}
	maxPool, maxRSS, maxSigs := 0, uint64(0), uint64(0)
	for _, n := range r.Nodes {
		maxPool, maxRSS, maxSigs = max(maxPool, n.MaxMempool), max(maxRSS, n.MaxRSSBytes), max(maxSigs, n.SigVerifications)
	}
	perTx := 0.0
	if r.Confirmed > 0 {
		perTx = float64(maxSigs) / float64(r.Confirmed)
	}
	return []string{
		fmt.Sprintf("submitted %d, accepted %d, rejected: %s; confirmed %d", r.Submitted, r.Accepted, strings.Join(rejected, ", "), r.Confirmed),
		fmt.Sprintf("accepted %.1f tx/s over %.1f s, confirmed %.1f tx/s; confirmation latency p50 %.2f s, p99 %.2f s", r.AcceptedTPS, r.SubmitSeconds, r.ConfirmedTPS, r.LatencyP50, r.LatencyP99),
		fmt.Sprintf("largest mempool %d txs, largest RSS %.1f MB, signature verifications per confirmed tx (busiest node) %.2f", maxPool, float64(maxRSS)/1e6, perTx),
	}
}

// Properties are the report's figures as JUnit properties.
func (r *Report) Properties() map[string]string {
	p := map[string]string{
		"load.submitted":      fmt.Sprint(r.Submitted),
		"load.accepted":       fmt.Sprint(r.Accepted),
		"load.confirmed":      fmt.Sprint(r.Confirmed),
		"load.accepted_tps":   fmt.Sprintf("%.1f", r.AcceptedTPS),
		"load.confirmed_tps":  fmt.Sprintf("%.1f", r.ConfirmedTPS),
		"load.latency_p50_s":  fmt.Sprintf("%.3f", r.LatencyP50),
		"load.latency_p99_s":  fmt.Sprintf("%.3f", r.LatencyP99),
		"load.rejected_total": fmt.Sprint(r.Submitted - r.Accepted),
	}
	for reason, n := range r.Rejected {
		p["load.rejected."+reason] = fmt.Sprint(n)
	}
	for name, n := range r.Nodes {
		p["load.max_mempool."+name] = fmt.Sprint(n.MaxMempool)
	}
	return p
}

// countSigs reads each target's signature count: before payments start
// (end false), then how many it verified since (end true).
func (r *run) countSigs(ctx context.Context, end bool) error {
	for _, t := range r.targets {
		m, err := t.Client.Metric(ctx, "chaind_signature_verifications_total")
		if err != nil {
			return fmt.Errorf("load: metrics of %s: %w", t.Name, err)
		}
		n := r.report.Nodes[t.Name]
		if end {
			n.SigVerifications = uint64(m) - n.sigsBefore
		} else {
			n.sigsBefore = uint64(m)
		}
	}
	return nil
}

// sample reads every target's mempool and memory twice a second.
func (r *run) sample(ctx context.Context) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		for _, tg := range r.targets {
			st, err := tg.Client.Status(ctx)
			if err != nil {
				continue
			}
			r.mu.Lock()
			n := r.report.Nodes[tg.Name]
			n.MaxMempool = max(n.MaxMempool, st.Mempool)
			n.MaxRSSBytes = max(n.MaxRSSBytes, st.RSSBytes)
			r.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
