package p2p

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
)

// BenchmarkInitialSync measures a fresh node syncing 10,000 blocks from a
// peer over loopback (target: at least 5,000 blocks/s).
func BenchmarkInitialSync(b *testing.B) {
	const blocks = 10000
	src := newTestNode(b, testParams)
	src.mine(b, blocks)
	b.ResetTimer()
	var elapsed time.Duration
	for range b.N {
		b.StopTimer()
		dst := newTestNode(b, testParams)
		b.StartTimer()
		start := time.Now()
		dst.connect(b, src)
		waitFor(b, 5*time.Minute, "the fresh node to sync", func() bool { return dst.tip() == src.tip() })
		elapsed += time.Since(start)
		b.StopTimer()
		dst.sync.Close()
		dst.host.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(blocks*b.N)/elapsed.Seconds(), "blocks/s")
}

// BenchmarkBlockPropagation measures how long a block mined on one end of
// a line of 10 nodes takes to reach each of the others (target: p99 at
// most 500 ms).
func BenchmarkBlockPropagation(b *testing.B) {
	const n = 10
	var (
		mu      sync.Mutex
		arrived = map[chain.Hash][]time.Time{}
	)
	nodes := make([]*testNode, n)
	for i := range nodes {
		nodes[i] = newTestNode(b, testParams)
		nodes[i].chain.Subscribe(func(ev blockchain.Event) {
			now := time.Now()
			mu.Lock()
			for _, blk := range ev.Connected {
				arrived[blk.Hash()] = append(arrived[blk.Hash()], now)
			}
			mu.Unlock()
		})
		if i > 0 {
			nodes[i].connect(b, nodes[i-1])
		}
	}
	waitFor(b, 10*time.Second, "the line to form", func() bool {
		for i, nd := range nodes {
			if want := min(2, i+1, n-i); nd.sync.PeerCount() < want {
				return false
			}
		}
		return true
	})
	var lat []time.Duration
	b.ResetTimer()
	for range b.N {
		nodes[0].mine(b, 1)
		h := nodes[0].tip()
		waitFor(b, 10*time.Second, "the block to reach every node", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(arrived[h]) == n
		})
		mu.Lock()
		ts := arrived[h]
		first := slices.MinFunc(ts, func(x, y time.Time) int { return x.Compare(y) })
		for _, t := range ts {
			if !t.Equal(first) {
				lat = append(lat, t.Sub(first))
			}
		}
		mu.Unlock()
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
}

// BenchmarkShapingCost: the initial sync of 10,000 blocks with the shaping
// layer but no rule against no layer at all (both ends alike), 5 runs of
// each, interleaved, the first of each pair alternating; it reports the median blocks/s of each and the
// layer's cost in percent of the median without it (target: at most 5).
func BenchmarkShapingCost(b *testing.B) {
	const blocks, runs = 10000, 5
	for range b.N {
		rates := map[bool][]float64{}
		srcs := map[bool]*testNode{}
		for _, off := range []bool{false, true} {
			tune := func(c *SyncConfig) { c.noShaping = off }
			srcs[off] = newTestNodeWith(b, testParams, tune)
			srcs[off].mine(b, blocks)
		}
		for i := range runs {
			// Alternate which goes first, so neither always runs on a
			// machine the other just warmed or loaded.
			for _, off := range []bool{i%2 == 0, i%2 != 0} {
				dst := newTestNodeWith(b, testParams, func(c *SyncConfig) { c.noShaping = off })
				start := time.Now()
				dst.connect(b, srcs[off])
				waitFor(b, 5*time.Minute, "the fresh node to sync", func() bool { return dst.tip() == srcs[off].tip() })
				rates[off] = append(rates[off], blocks/time.Since(start).Seconds())
				dst.stop()
			}
		}
		with, without := median(rates[false]), median(rates[true])
		b.ReportMetric(with, "blocks/s_with")
		b.ReportMetric(without, "blocks/s_without")
		b.ReportMetric(100*(without-with)/without, "cost_%")
		for _, n := range srcs {
			n.stop()
		}
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
