// Package load drives a running devnet with signed payments and measures
// what the network makes of them. It funds wallets of its own (blocks
// minted to a funding key, then fan-out transactions), then each payer
// spends its own chain of change outputs at its share of the rate, through
// the node it is pinned to (a child must reach the node that holds its
// parent). Signing happens here, not in the nodes: payments go in through
// POST /tx/raw. One node watches the chain for confirmations; every target
// is sampled for its mempool and memory.
package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/mempool"
	"github.com/devchain/devchain/node/wallet"
)

// Config is one load run.
type Config struct {
	// Wallets is how many payers share the rate (each pays through one
	// node, in turn).
	Wallets int
	// Rate is payments per second over all payers; 0 submits as fast as
	// the nodes accept (each payer keeps below the mempool's package limit).
	Rate float64
	// For is how long payments are submitted.
	For time.Duration
	// Fee is paid by each payment (each pays 1 coin to a sink and its
	// change back to its payer).
	Fee uint64
	// ConfirmWithin bounds the wait for the last confirmations once
	// submitting stopped.
	ConfirmWithin time.Duration
	// Subsidy is the network's block reward, which funding mints.
	Subsidy uint64
	// Accepted, when set, is told of every tx a node accepted (funding
	// consolidations and payments), with the node's name.
	Accepted func(node string, tx *chain.Tx)
}

// Target is a node payments go to.
type Target struct {
	Name   string
	Client *controlapi.Client
}

// Progress receives lines about the run's phases (funding, submitting,
// waiting for confirmations).
type Progress func(format string, args ...any)

// payer is one funded wallet and the tip of its chain of change outputs.
type payer struct {
	index  int
	key    *wallet.Key
	target int
	out    chain.OutPoint // the output the next payment spends
	value  uint64
	// unconfirmed counts its accepted payments no block confirmed yet:
	// at mempool.MaxAncestors it waits.
	unconfirmed int
}

// sent is one accepted payment.
type sent struct {
	at        time.Time
	payer     *payer
	confirmed time.Time
}

// run is the shared state of one Run.
type run struct {
	cfg     Config
	targets []Target
	say     Progress
	sink    [20]byte

	mu       sync.Mutex
	cond     *sync.Cond // signalled when confirmations arrive
	payments map[chain.Hash]*sent
	report   Report
}

// ErrNoFunds is returned when funding cannot give every payer enough.
var ErrNoFunds = errors.New("load: funding failed")

// Run funds cfg.Wallets payers through targets[0], submits payments for
// cfg.For, waits for their confirmations, and reports.
func Run(ctx context.Context, cfg Config, targets []Target, say Progress) (*Report, error) {
	if len(targets) == 0 {
		return nil, errors.New("load: no target node")
	}
	if say == nil {
		say = func(string, ...any) {}
	}
	r := &run{cfg: cfg, targets: targets, say: say, payments: map[chain.Hash]*sent{}}
	r.cond = sync.NewCond(&r.mu)
	r.report = Report{
		Wallets: cfg.Wallets, Rate: cfg.Rate, Seconds: cfg.For.Seconds(), Fee: cfg.Fee,
		Rejected: map[string]int{}, Nodes: map[string]*NodeFigures{},
	}
	for _, t := range targets {
		r.report.Nodes[t.Name] = &NodeFigures{}
	}
	sinkKey, err := wallet.NewKey()
	if err != nil {
		return nil, err
	}
	r.sink = sinkKey.PubKeyHash()
	payers, height, err := r.fund(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.countSigs(ctx, false); err != nil {
		return nil, err
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	var watchers sync.WaitGroup
	watchers.Go(func() { r.watch(watchCtx, height) })
	watchers.Go(func() { r.sample(watchCtx) })
	defer func() {
		stopWatch()
		r.cond.Broadcast()
		watchers.Wait()
	}()

	r.say("submitting payments from %d wallets for %s (%s) through %d nodes", len(payers), cfg.For, rateText(cfg.Rate), len(targets))
	start := time.Now()
	r.submitAll(ctx, payers, start.Add(cfg.For))
	r.report.SubmitSeconds = time.Since(start).Seconds()
	r.say("submitted %d, accepted %d; waiting up to %s for their confirmations", r.report.Submitted, r.report.Accepted, cfg.ConfirmWithin)
	r.waitConfirmed(ctx, cfg.ConfirmWithin)
	if err := r.countSigs(ctx, true); err != nil {
		return nil, err
	}
	r.finish(start)
	return &r.report, ctx.Err()
}

func rateText(rate float64) string {
	if rate <= 0 {
		return "as fast as accepted"
	}
	return fmt.Sprintf("%g tx/s", rate)
}

// submitAll runs every payer until deadline.
func (r *run) submitAll(ctx context.Context, payers []*payer, deadline time.Time) {
	// Payers waiting for room wake at the deadline or when ctx ends.
	wake := time.AfterFunc(time.Until(deadline), r.cond.Broadcast)
	defer wake.Stop()
	stop := context.AfterFunc(ctx, r.cond.Broadcast)
	defer stop()
	var wg sync.WaitGroup
	for _, p := range payers {
		wg.Go(func() { r.pay(ctx, p, deadline) })
	}
	wg.Wait()
}

// pay submits p's payments at its share of the rate until deadline. A
// payer ticks on its own schedule, so a slow answer to one delays only its
// next payment, and catches up (bounded) after.
func (r *run) pay(ctx context.Context, p *payer, deadline time.Time) {
	var every time.Duration
	if r.cfg.Rate > 0 {
		every = time.Duration(float64(time.Second) * float64(r.cfg.Wallets) / r.cfg.Rate)
	}
	next := time.Now().Add(time.Duration(p.index) * every / time.Duration(max(1, r.cfg.Wallets))) // spread the starts
	for {
		if every > 0 {
			if wait := time.Until(next); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
			next = next.Add(every)
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return
		}
		if !r.roomFor(ctx, p, deadline) {
			return
		}
		if p.value < 1+r.cfg.Fee+1 {
			return // spent: funding gave it what the run should need
		}
		r.submit(ctx, p)
	}
}

// roomFor waits while p has as many unconfirmed payments as the mempool
// takes in one chain; false once deadline passed or ctx ended.
func (r *run) roomFor(ctx context.Context, p *payer, deadline time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for p.unconfirmed >= mempool.MaxAncestors-1 {
		if ctx.Err() != nil || time.Now().After(deadline) {
			return false
		}
		r.cond.Wait()
	}
	return true
}

// submit builds, signs and submits p's next payment.
func (r *run) submit(ctx context.Context, p *payer) {
	change := p.value - 1 - r.cfg.Fee
	tx := &chain.Tx{
		Version: chain.TxVersion,
		Inputs:  []chain.TxIn{{Prev: p.out}},
		Outputs: []chain.TxOut{{Value: 1, PubKeyHash: r.sink}, {Value: change, PubKeyHash: p.key.PubKeyHash()}},
	}
	if err := p.key.SignInputs(tx); err != nil {
		r.reject("sign")
		return
	}
	at := time.Now()
	_, err := r.targets[p.target].Client.SubmitTx(ctx, tx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.report.Submitted++
	if err != nil {
		r.rejectLocked(reasonOf(err))
		return
	}
	r.report.Accepted++
	r.accepted(r.targets[p.target].Name, tx)
	id := tx.ID()
	r.payments[id] = &sent{at: at, payer: p}
	p.out, p.value = chain.OutPoint{TxID: id, Index: 1}, change
	p.unconfirmed++
}

// accepted tells cfg.Accepted of a tx a node took.
func (r *run) accepted(node string, tx *chain.Tx) {
	if r.cfg.Accepted != nil {
		r.cfg.Accepted(node, tx)
	}
}

// reasonOf names a refusal: the node's reason, else the HTTP status, else
// "unreachable".
func reasonOf(err error) string {
	var e *controlapi.Error
	switch {
	case errors.As(err, &e) && e.Reason != "":
		return e.Reason
	case errors.As(err, &e):
		return fmt.Sprintf("http-%d", e.Status)
	}
	return "unreachable"
}

// reject counts a payment that failed before it could be submitted (its
// signing) as submitted and refused.
func (r *run) reject(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.report.Submitted++
	r.rejectLocked(reason)
}

// rejectLocked counts a refusal of a payment already counted as submitted.
func (r *run) rejectLocked(reason string) { r.report.Rejected[reason]++ }

// watch follows the first target's main chain from height on, marking the
// payments each new block confirms.
func (r *run) watch(ctx context.Context, height uint64) {
	c := r.targets[0].Client
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st, err := c.Status(ctx)
		if err != nil {
			continue
		}
		for ; height < st.Height; height++ {
			b, err := c.BlockAt(ctx, height+1)
			if err != nil {
				break
			}
			r.confirm(b, time.Now())
		}
	}
}

func (r *run) confirm(b controlapi.Block, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, tx := range b.Txs {
		id, err := chain.ParseHash(tx.TxID)
		if err != nil {
			continue
		}
		if s, ok := r.payments[id]; ok && s.confirmed.IsZero() {
			s.confirmed = at
			s.payer.unconfirmed--
			r.report.Confirmed++
		}
	}
	r.cond.Broadcast()
}

// waitConfirmed waits until every accepted payment is confirmed, or within.
func (r *run) waitConfirmed(ctx context.Context, within time.Duration) {
	deadline := time.Now().Add(within)
	stop := context.AfterFunc(ctx, r.cond.Broadcast)
	defer stop()
	tick := time.AfterFunc(within, r.cond.Broadcast)
	defer tick.Stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.report.Confirmed < r.report.Accepted && time.Now().Before(deadline) && ctx.Err() == nil {
		r.cond.Wait()
	}
}

// finish computes the run's rates and latencies.
func (r *run) finish(start time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var lat []time.Duration
	var last time.Time
	for _, s := range r.payments {
		if s.confirmed.IsZero() {
			continue
		}
		lat = append(lat, s.confirmed.Sub(s.at))
		if s.confirmed.After(last) {
			last = s.confirmed
		}
	}
	rep := &r.report
	if rep.SubmitSeconds > 0 {
		rep.AcceptedTPS = float64(rep.Accepted) / rep.SubmitSeconds
	}
	if len(lat) > 0 {
		rep.ConfirmedTPS = float64(len(lat)) / last.Sub(start).Seconds()
		slices.Sort(lat)
		rep.LatencyP50 = quantile(lat, 0.5).Seconds()
		rep.LatencyP99 = quantile(lat, 0.99).Seconds()
	}
}

// quantile of sorted values, nearest rank.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
