package runner

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/devchain/devchain/devnet/report"
	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/internal/fanout"
)

// The run report's data. While the steps run, a sampler reads every
// node's /status (and, in a run with a load step, a counter of each chain
// node's /metrics) about once a second; when they end, the last /peers
// and the propagation of the last blocks are read while the nodes still
// run, and devnet/report renders it all into Runner.Report.
const (
	sampleEvery = time.Second
	// sampleTimeout bounds one node's requests in a sample: a node that
	// does not answer in time is down for that sample and holds up
	// neither the others nor the next sample.
	sampleTimeout = 800 * time.Millisecond
	sampleFanout  = 16
	// maxSamples bounds the samples kept (20 minutes' worth): at that
	// count every other one is dropped and the interval doubles, so a run
	// of any length costs the same memory and report size.
	maxSamples = 1200
	// reportBlocks is how many of the last blocks the propagation plot
	// shows: each costs a request per chain node.
	reportBlocks = 50
	// collectWithin bounds the final reads the report waits for.
	collectWithin = 20 * time.Second
	// txsReceived is the counter the throughput plot turns into a rate.
	txsReceived = "chaind_txs_received_total"
)

// sampler fills samples until stopped; only its goroutine writes them
// until done is closed.
type sampler struct {
	r       *Runner
	samples *report.Samples
	metrics bool // read txsReceived: the run has a load step
	stride  int  // ticks per sample; doubles when the samples are thinned
	cancel  context.CancelFunc
	done    chan struct{}
}

// startSampling starts a sampler that stops with ctx or stop; nil when
// the run writes no report.
func (r *Runner) startSampling(ctx context.Context) *sampler {
	if r.Report == "" {
		return nil
	}
	s := r.newSampler()
	ctx, s.cancel = context.WithCancel(ctx)
	go s.loop(ctx)
	return s
}

// newSampler is a sampler with no sample yet, not started.
func (r *Runner) newSampler() *sampler {
	s := &sampler{r: r, stride: 1, done: make(chan struct{}),
		samples: &report.Samples{Start: time.Now(), Interval: sampleEvery.Seconds()}}
	for _, st := range r.Config.Steps {
		s.metrics = s.metrics || st.Kind == "load"
	}
	for _, n := range r.Net.Nodes {
		s.samples.Nodes = append(s.samples.Nodes, &report.NodeSamples{Name: n.Name, Role: string(n.Role), PeerID: n.PeerID})
	}
	return s
}

// stop ends sampling with a last sample (the steps' end state; the
// loop's last one may be a second older) unless ctx is done, and returns
// the samples.
func (s *sampler) stop(ctx context.Context) *report.Samples {
	s.cancel()
	<-s.done
	s.sample(ctx)
	return s.samples
}

func (s *sampler) loop(ctx context.Context) {
	defer close(s.done)
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	for n := 0; ; n++ {
		if n%s.stride == 0 {
			s.sample(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// nodeSample is what one node said in one sample.
type nodeSample struct {
	up          bool
	peerID, tip string
	height      uint64
	peers       int
	conns       int
	mempool     int
	rss         uint64
	txs         float64
}

// sample reads every node once and appends a sample, unless the run ended
// meanwhile (every node would look down).
func (s *sampler) sample(ctx context.Context) {
	t := time.Since(s.samples.Start).Seconds()
	nodes := s.samples.Nodes
	got := make([]nodeSample, len(nodes))
	idx := make([]int, len(nodes))
	for i := range idx {
		idx[i] = i
	}
	_ = fanout.Each(idx, sampleFanout, func(i int) error {
		got[i] = s.read(ctx, nodes[i])
		return nil
	})
	if ctx.Err() != nil {
		return
	}
	s.samples.T = append(s.samples.T, t)
	for i, n := range nodes {
		g := got[i]
		if g.peerID != "" {
			n.PeerID = g.peerID
		}
		tip := g.tip[:min(len(g.tip), report.TipDigits)]
		if k := len(n.Tip); k > 0 && n.Tip[k-1] == tip {
			tip = n.Tip[k-1] // the same tip shares one string
		} else {
			tip = strings.Clone(tip) // not the whole /status answer
		}
		n.Up, n.Height, n.Tip = append(n.Up, g.up), append(n.Height, g.height), append(n.Tip, tip)
		n.Peers, n.Connections = append(n.Peers, g.peers), append(n.Connections, g.conns)
		n.Mempool, n.RSSBytes = append(n.Mempool, g.mempool), append(n.RSSBytes, g.rss)
		if s.metrics {
			n.TxsReceived = append(n.TxsReceived, g.txs)
		}
	}
	if len(s.samples.T) == maxSamples {
		s.thin()
	}
}

// read asks one node; a node the run stopped is not asked.
func (s *sampler) read(ctx context.Context, n *report.NodeSamples) nodeSample {
	if s.r.isDown(n.Name) != "" {
		return nodeSample{}
	}
	c, err := s.r.client(n.Name)
	if err != nil {
		return nodeSample{}
	}
	ctx, cancel := context.WithTimeout(ctx, sampleTimeout)
	defer cancel()
	st, err := c.Status(ctx)
	if err != nil {
		return nodeSample{}
	}
	g := nodeSample{up: true, peerID: st.PeerID, tip: st.Tip, height: st.Height, peers: st.Peers,
		conns: st.Connections, mempool: st.Mempool, rss: st.RSSBytes}
	if s.metrics && n.Role == string(spec.RoleNode) {
		if g.txs, err = c.Metric(ctx, txsReceived); err != nil {
			return nodeSample{}
		}
	}
	return g
}

// thin drops every other sample, in place.
func (s *sampler) thin() {
	ss := s.samples
	ss.T = everyOther(ss.T)
	for _, n := range ss.Nodes {
		n.Up, n.Height, n.Tip = everyOther(n.Up), everyOther(n.Height), everyOther(n.Tip)
		n.Peers, n.Connections = everyOther(n.Peers), everyOther(n.Connections)
		n.Mempool, n.RSSBytes, n.TxsReceived = everyOther(n.Mempool), everyOther(n.RSSBytes), everyOther(n.TxsReceived)
	}
	s.stride *= 2
	ss.Interval *= 2
}

func everyOther[T any](xs []T) []T {
	out := xs[:0]
	for i := 0; i < len(xs); i += 2 {
		out = append(out, xs[i])
	}
	clear(xs[len(out):])
	return out
}

// writeReport stops the sampler, reads the final topology and the
// propagation of the last blocks while the nodes still run (not after an
// interrupt: Ctrl-C wants the devnet gone), and writes the report. A
// report that cannot be written is said in the step log; it does not
// change the run's verdict.
func (r *Runner) writeReport(ctx context.Context, s *sampler, runErr error) {
	if r.Report == "" {
		return
	}
	run := &report.Run{Name: r.Config.Name, Runtime: r.Backend.Name(), Steps: r.reportSteps()}
	if runErr != nil {
		run.Err = runErr.Error()
	}
	if s != nil {
		run.Samples = s.stop(ctx)
		if ctx.Err() == nil {
			cctx, cancel := context.WithTimeout(ctx, collectWithin)
			run.Peers, run.Blocks = r.lastPeers(cctx), r.lastSpreads(cctx)
			cancel()
		}
	}
	r.mu.Lock()
	loads := r.loads
	r.mu.Unlock()
	// A load step that got as far as a report gave its step properties.
	for i, res := range r.results {
		if res.Step.Kind == "load" && res.Properties != nil && len(run.Loads) < len(loads) {
			run.Loads = append(run.Loads, report.Load{Step: i + 1, Report: loads[len(run.Loads)]})
		}
	}
	if err := report.Write(r.Report, run); err != nil {
		r.steps.printf("report: %v", err)
		return
	}
	r.steps.printf("report in %s", filepath.Join(r.Report, report.HTMLFile))
}

// reportSteps are the scenario's steps with their results; a step the
// run did not reach is skipped.
func (r *Runner) reportSteps() []report.Step {
	var out []report.Step
	for i := range r.Config.Steps {
		st := &r.Config.Steps[i]
		rs := report.Step{Index: i + 1, Name: st.Name, Pos: st.Pos.String(), Skipped: true}
		if i < len(r.results) {
			res := r.results[i]
			rs.Start, rs.Duration, rs.Skipped = res.Start, res.Duration, res.Skipped
			if res.Err != nil {
				rs.Err = res.Err.Error()
			}
		}
		out = append(out, rs)
	}
	return out
}

// lastPeers is each running node's GET /peers, as peer IDs.
func (r *Runner) lastPeers(ctx context.Context) map[string][]string {
	out := map[string][]string{}
	var mu sync.Mutex
	_ = fanout.Each(r.Net.Nodes, sampleFanout, func(n spec.Node) error {
		if r.isDown(n.Name) != "" {
			return nil
		}
		c, err := r.client(n.Name)
		if err != nil {
			return nil
		}
		peers, err := c.Peers(ctx)
		if err != nil {
			return nil
		}
		ids := make([]string, len(peers))
		for i, p := range peers {
			ids[i] = p.PeerID
		}
		mu.Lock()
		defer mu.Unlock()
		out[n.Name] = ids
		return nil
	})
	return out
}

// lastSpreads are the spreads (propagation.go) of the last reportBlocks
// blocks every running chain node holds, on the first one's chain; a block
// some node no longer knows the connect time of is left out.
func (r *Runner) lastSpreads(ctx context.Context) []report.Block {
	snap := r.poll(ctx)
	var running []string
	var top uint64
	for _, n := range snap.names {
		if st := snap.status[n]; st != nil && st.Role == string(spec.RoleNode) {
			if len(running) == 0 || st.Height < top {
				top = st.Height
			}
			running = append(running, n)
		}
	}
	if len(running) < 2 || top == 0 {
		return nil
	}
	first, err := r.client(running[0])
	if err != nil {
		return nil
	}
	var heights []uint64
	for h := max(1, int64(top)-reportBlocks+1); h <= int64(top); h++ {
		heights = append(heights, uint64(h))
	}
	spreads := make([]*report.Block, len(heights))
	_ = fanout.Each(heights, 8, func(h uint64) error {
		b, err := first.BlockAt(ctx, h)
		if err != nil {
			return nil
		}
		if sp, why := r.spread(ctx, running, b.Hash, h); why == "" {
			spreads[h-heights[0]] = &report.Block{Height: h, Spread: sp.delay, Slowest: sp.slowest}
		}
		return nil
	})
	var out []report.Block
	for _, b := range spreads {
		if b != nil {
			out = append(out, *b)
		}
	}
	return out
}
