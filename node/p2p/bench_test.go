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
