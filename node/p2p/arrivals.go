package p2p

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/devchain/devchain/node/chain"
)

// maxArrivals bounds each of the arrival records (about 60 bytes an entry).
const maxArrivals = 20000

// arrivals records when the node first heard of a block or transaction
// (its first announcement) and when it first connected each block, and
// turns the two into fetch-time histograms: from the announcement to the
// block connected, or the tx in the mempool.
type arrivals struct {
	mu        sync.Mutex
	announced timeRing
	connected timeRing

	blockFetch, txFetch prometheus.Histogram
}

func newArrivals() *arrivals {
	// 1 ms to about 33 s: a fetch on loopback up to one over a slow shaped link.
	buckets := prometheus.ExponentialBuckets(0.001, 2, 16)
	return &arrivals{
		announced: newTimeRing(maxArrivals),
		connected: newTimeRing(maxArrivals),
		blockFetch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "chaind_block_fetch_seconds", Buckets: buckets,
			Help: "From a block's first announcement to the node connecting it.",
		}),
		txFetch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "chaind_tx_fetch_seconds", Buckets: buckets,
			Help: "From a transaction's first announcement to the node's mempool taking it.",
		}),
	}
}

// announcedNow records h's first announcement.
func (a *arrivals) announcedNow(h chain.Hash) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.announced.addFirst(h, time.Now())
}

// arrived records that h is in (a connected block, a pooled tx) and
// observes how long it took since its announcement.
func (a *arrivals) arrived(h chain.Hash, block bool) {
	now := time.Now()
	a.mu.Lock()
	since, ok := a.announced.take(h)
	if block {
		a.connected.addFirst(h, now)
	}
	a.mu.Unlock()
	if !ok {
		return
	}
	if block {
		a.blockFetch.Observe(now.Sub(since).Seconds())
	} else {
		a.txFetch.Observe(now.Sub(since).Seconds())
	}
}

// connectedAt is when the node first connected block h.
func (a *arrivals) connectedAt(h chain.Hash) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.connected.m[h]
	return t, ok
}

// timeRing is a bounded map of times; the oldest entry goes first.
type timeRing struct {
	max   int
	m     map[chain.Hash]time.Time
	order []chain.Hash
}

func newTimeRing(max int) timeRing { return timeRing{max: max, m: map[chain.Hash]time.Time{}} }

// addFirst keeps the first time given for h.
func (r *timeRing) addFirst(h chain.Hash, t time.Time) {
	if _, ok := r.m[h]; ok {
		return
	}
	for len(r.order) >= r.max {
		delete(r.m, r.order[0])
		r.order = r.order[1:]
	}
	r.m[h] = t
	r.order = append(r.order, h)
}

// take removes h and returns its time (its place in order goes with the
// next eviction that reaches it).
func (r *timeRing) take(h chain.Hash) (time.Time, bool) {
	t, ok := r.m[h]
	delete(r.m, h)
	return t, ok
}

// Collectors are the sync protocol's histograms, for /metrics.
func (s *Sync) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.arrivals.blockFetch, s.arrivals.txFetch}
}

// ConnectedAt is when the node first connected block h (mined here or
// received), while it is among the last maxArrivals blocks it connected.
func (s *Sync) ConnectedAt(h chain.Hash) (time.Time, bool) { return s.arrivals.connectedAt(h) }
