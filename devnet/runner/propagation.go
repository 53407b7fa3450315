package runner

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/devchain/devchain/devnet/scenario"
	"github.com/devchain/devchain/node/controlapi"
)

// blockSpread is how one block reached the nodes: from the first node to
// connect it to the last.
type blockSpread struct {
	height  uint64
	delay   time.Duration
	slowest string
}

// propagation holds when the spreads of the last a.Blocks main-chain
// blocks (of the first running target, up to the lowest running target's
// height) have a p99 within a.P99. Each block's spread is measured once
// every running target holds it.
func (r *Runner) propagation(nodes []string, a *scenario.Propagation) condition {
	done := map[string]blockSpread{} // by block hash
	return func(ctx context.Context, s *snapshot) (bool, string, error) {
		var running []string
		for _, n := range nodes {
			if s.down[n] == "" && s.status[n] != nil {
				running = append(running, n)
			}
		}
		if len(running) < 2 {
			return false, "fewer than two running nodes to measure between", nil
		}
		// The last blocks every node should hold by now: up to the lowest
		// height (the newest blocks are still on their way).
		top := s.status[running[0]].Height
		for _, n := range running {
			top = min(top, s.status[n].Height)
		}
		if top < uint64(a.Blocks) {
			return false, fmt.Sprintf("height %d, fewer than the %d blocks to measure", top, a.Blocks), nil
		}
		first, err := r.client(running[0])
		if err != nil {
			return false, "", err
		}
		var spreads []blockSpread
		for h := top - uint64(a.Blocks) + 1; h <= top; h++ {
			b, err := first.BlockAt(ctx, h)
			if err != nil {
				return false, fmt.Sprintf("%s: block %d: %v", running[0], h, err), nil
			}
			sp, ok := done[b.Hash]
			if !ok {
				var why string
				if sp, why = r.spread(ctx, running, b.Hash, h); why != "" {
					return false, why, nil
				}
				done[b.Hash] = sp
			}
			spreads = append(spreads, sp)
		}
		slices.SortFunc(spreads, func(x, y blockSpread) int { return int(x.delay - y.delay) })
		p99 := spreads[int(math.Ceil(0.99*float64(len(spreads))))-1]
		worst := spreads[len(spreads)-1]
		report := fmt.Sprintf("p99 %s over %d blocks, want ≤ %s (slowest: height %d, %s after its first node on %s)",
			p99.delay.Round(time.Millisecond), len(spreads), a.P99, worst.height, worst.delay.Round(time.Millisecond), worst.slowest)
		ok := p99.delay <= a.P99.D()
		if ok {
			r.steps.printf("     propagation %s", report) // the figure, for the log and make bench
		}
		return ok, report, nil
	}
}

// spread asks every node when it connected block hash; why says what is
// missing when a node does not hold it (yet) or no longer knows when.
func (r *Runner) spread(ctx context.Context, nodes []string, hash string, height uint64) (blockSpread, string) {
	var firstAt, lastAt time.Time
	sp := blockSpread{height: height}
	for _, n := range nodes {
		c, err := r.client(n)
		if err != nil {
			return sp, err.Error()
		}
		var b controlapi.Block
		if b, err = c.Block(ctx, hash); err != nil {
			return sp, fmt.Sprintf("%s does not hold block %d yet (%v)", n, height, err)
		}
		if b.ConnectedAt == nil {
			return sp, fmt.Sprintf("%s no longer knows when it connected block %d", n, height)
		}
		at := *b.ConnectedAt
		if firstAt.IsZero() || at.Before(firstAt) {
			firstAt = at
		}
		if at.After(lastAt) {
			lastAt, sp.slowest = at, n
		}
	}
	sp.delay = lastAt.Sub(firstAt)
	return sp, ""
}

// maxWindowBlocks bounds the blocks a throughput assertion reads per check.
const maxWindowBlocks = 5000

// throughput holds when the first running target's main chain confirmed
// a.MinTPS transactions a second over the blocks it connected in the last
// a.For before its tip (the tip's own included). Until the chain it
// knows the connect time of spans a.For, it does not hold.
func (r *Runner) throughput(nodes []string, a *scenario.Throughput) condition {
	return func(ctx context.Context, s *snapshot) (bool, string, error) {
		var first string
		for _, n := range nodes {
			if s.down[n] == "" && s.status[n] != nil {
				first = n
				break
			}
		}
		if first == "" {
			return false, "no running node", nil
		}
		c, err := r.client(first)
		if err != nil {
			return false, "", err
		}
		var tipAt time.Time
		txs, blocks := 0, 0
		for h := s.status[first].Height; h > 0; h-- {
			if blocks == maxWindowBlocks {
				return false, "", fmt.Errorf("more than %d blocks in the last %s: give a shorter for", maxWindowBlocks, a.For)
			}
			b, err := c.BlockAt(ctx, h)
			if err != nil {
				return false, fmt.Sprintf("%s: block %d: %v", first, h, err), nil
			}
			if b.ConnectedAt == nil {
				return false, fmt.Sprintf("%s no longer knows when it connected block %d: the window reaches too far back", first, h), nil
			}
			if tipAt.IsZero() {
				tipAt = *b.ConnectedAt
			}
			if tipAt.Sub(*b.ConnectedAt) > a.For.D() {
				tps := float64(txs) / a.For.D().Seconds()
				report := fmt.Sprintf("%.1f tx/s over the %d blocks of the last %s before the tip on %s, want ≥ %g", tps, blocks, a.For, first, a.MinTPS)
				if tps >= a.MinTPS {
					r.steps.printf("     throughput %s", report)
				}
				return tps >= a.MinTPS, report, nil
			}
			txs += max(0, len(b.Txs)-1)
			blocks++
		}
		return false, fmt.Sprintf("the chain of %s spans less than %s", first, a.For), nil
	}
}
