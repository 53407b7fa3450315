package report

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// figure is one plot of the report; name is its PNG's and its element's.
type figure struct {
	name string
	plot *plot.Plot
	w, h vg.Length
}

// Sizes of the figures: plots over time side by side with their legend,
// the topology square.
const (
	wideW, wideH = 9 * vg.Inch, 3.2 * vg.Inch
	squareSide   = 7 * vg.Inch
)

// plotNames are every figure a report may hold, in the report's order;
// throughput and latency only when a load step ran.
var plotNames = []string{"height", "tips", "peers", "mempool", "memory", "throughput", "latency", "propagation", "topology"}

// figures builds the report's plots.
func figures(run *Run) ([]figure, error) {
	s := run.Samples
	if s == nil {
		s = &Samples{}
	}
	chain := chainNodes(s)
	marks := stepMarksOf(run, s.Start)
	timePlot := func(name, title, ylabel string, v value) (figure, error) {
		p := newTimePlot(title, ylabel, marks)
		err := addSeries(p, s.T, chain, v)
		return figure{name: name, plot: p, w: wideW, h: wideH}, err
	}
	var figs []figure
	var errs []error
	add := func(f figure, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("plot %s: %w", f.name, err))
		}
		figs = append(figs, f)
	}
	add(timePlot("height", "height of each chain node (dashed: step starts)", "height",
		column(func(n *NodeSamples) []uint64 { return n.Height }, 1)))
	add(tipsPlot(s, chain, marks))
	add(peersPlot(s, chain, marks))
	add(timePlot("mempool", "transactions in each chain node's mempool", "txs",
		column(func(n *NodeSamples) []int { return n.Mempool }, 1)))
	add(timePlot("memory", "resident memory of each chain node", "RSS (MB)",
		column(func(n *NodeSamples) []uint64 { return n.RSSBytes }, 1e-6)))
	if len(run.Loads) > 0 {
		add(throughputPlot(run, s, chain, marks))
		add(latencyPlot(run))
	}
	add(propagationPlot(run.Blocks))
	add(topologyPlot(run, s))
	return figs, errors.Join(errs...)
}

// chainNodes are the nodes that hold a chain: a bootstrap relays no
// blocks, and its peer count (every node) would flatten the others'.
func chainNodes(s *Samples) []*NodeSamples {
	var out []*NodeSamples
	for _, n := range s.Nodes {
		if n.Role != "bootstrap" {
			out = append(out, n)
		}
	}
	return out
}

// stepMarksOf marks the start of every step that ran.
func stepMarksOf(run *Run, start time.Time) stepMarks {
	var m stepMarks
	for _, st := range run.Steps {
		if !st.Start.IsZero() {
			m = append(m, stepMark{x: st.Start.Sub(start).Seconds(), label: fmt.Sprint(st.Index)})
		}
	}
	return m
}

func newTimePlot(title, ylabel string, marks stepMarks) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "seconds since the first step"
	p.Y.Label.Text = ylabel
	p.Y.Min = 0
	p.Add(plotter.NewGrid(), marks)
	return p
}

// tipsPlot counts the distinct tips among the chain nodes that answered:
// 1 when they agree, more during a fork or while a block spreads.
func tipsPlot(s *Samples, chain []*NodeSamples, marks stepMarks) (figure, error) {
	p := newTimePlot("distinct tips among the chain nodes (a fork shows 2 or more)", "tips", marks)
	tips := func(i int) (float64, bool) {
		seen := map[string]bool{}
		for _, n := range chain {
			if n.Up[i] {
				seen[n.Tip[i]] = true
			}
		}
		return float64(len(seen)), len(seen) > 0
	}
	err := addLine(p, s.T, tips, draw.LineStyle{Color: palette[0], Width: vg.Points(1)}, "tips")
	return figure{name: "tips", plot: p, w: wideW, h: wideH}, err
}

// peersPlot draws each chain node's peers and the most connections any
// node held (peers, the bootstrap and handshakes under way: what the
// --max-peers cap bounds).
func peersPlot(s *Samples, chain []*NodeSamples, marks stepMarks) (figure, error) {
	f := figure{name: "peers", plot: newTimePlot("peers of each chain node", "peers", marks), w: wideW, h: wideH}
	if err := addSeries(f.plot, s.T, chain, column(func(n *NodeSamples) []int { return n.Peers }, 1)); err != nil {
		return f, err
	}
	most := func(i int) (float64, bool) {
		m, any := 0, false
		for _, n := range chain {
			if n.Up[i] {
				m, any = max(m, n.Connections[i]), true
			}
		}
		return float64(m), any
	}
	sty := draw.LineStyle{Color: black, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(1), vg.Points(2)}}
	return f, addLine(f.plot, s.T, most, sty, "max connections")
}

// throughputPlot draws the txs each chain node received from peers per
// second (the load's payments as they spread) and, over each load step,
// the rate it asked for and the rate it got confirmed.
func throughputPlot(run *Run, s *Samples, chain []*NodeSamples, marks stepMarks) (figure, error) {
	f := figure{name: "throughput", w: wideW, h: wideH,
		plot: newTimePlot("tx throughput: txs received from peers per second; load steps' asked and confirmed rates", "tx/s", marks)}
	rate := func(n *NodeSamples, i int) (float64, bool) {
		if i == 0 || len(n.TxsReceived) <= i || !n.Up[i] || !n.Up[i-1] || n.TxsReceived[i] < n.TxsReceived[i-1] {
			return 0, false // a restart resets the counter
		}
		return (n.TxsReceived[i] - n.TxsReceived[i-1]) / (s.T[i] - s.T[i-1]), true
	}
	if err := addSeries(f.plot, s.T, chain, rate); err != nil {
		return f, err
	}
	asked := draw.LineStyle{Color: black, Width: vg.Points(1.5), Dashes: dash}
	confirmed := draw.LineStyle{Color: black, Width: vg.Points(2.5)}
	for _, l := range run.Loads {
		st := run.Steps[l.Step-1]
		from := st.Start.Sub(s.Start).Seconds()
		span := []float64{from, from + st.Duration.Seconds()}
		if l.Report.Rate > 0 {
			if err := addSegment(f.plot, plotter.XY{X: span[0], Y: l.Report.Rate}, plotter.XY{X: span[1], Y: l.Report.Rate}, asked); err != nil {
				return f, err
			}
		}
		tps := l.Report.ConfirmedTPS
		if err := addSegment(f.plot, plotter.XY{X: span[0], Y: tps}, plotter.XY{X: span[1], Y: tps}, confirmed); err != nil {
			return f, err
		}
	}
	f.plot.Legend.Add("asked", &plotter.Line{LineStyle: asked})
	f.plot.Legend.Add("confirmed", &plotter.Line{LineStyle: confirmed})
	return f, nil
}

// addSegment draws a line from a to b.
func addSegment(p *plot.Plot, a, b plotter.XY, sty draw.LineStyle) error {
	l, err := plotter.NewLine(plotter.XYs{a, b})
	if err != nil {
		return err
	}
	l.LineStyle = sty
	p.Add(l)
	return nil
}

// latencyPlot draws each load step's confirmation latency, p50 and p99.
func latencyPlot(run *Run) (figure, error) {
	p := plot.New()
	p.Title.Text = "confirmation latency of each load step (submission to the block confirming it)"
	p.Y.Label.Text = "seconds"
	f := figure{name: "latency", plot: p, w: wideW, h: wideH}
	var p50, p99 plotter.Values
	var names []string
	for _, l := range run.Loads {
		p50, p99 = append(p50, l.Report.LatencyP50), append(p99, l.Report.LatencyP99)
		names = append(names, fmt.Sprintf("step %d", l.Step))
	}
	width := vg.Points(24)
	for k, b := range []struct {
		name string
		vals plotter.Values
	}{{"p50", p50}, {"p99", p99}} {
		bars, err := plotter.NewBarChart(b.vals, width)
		if err != nil {
			return f, err
		}
		bars.Color, bars.LineStyle.Width = palette[k], 0
		bars.Offset = width * vg.Length(2*k-1) / 2
		p.Add(bars)
		p.Legend.Add(b.name, bars)
	}
	p.NominalX(names...)
	return f, nil
}

// propagationPlot draws each block's spread from the first node that
// connected it to the last.
func propagationPlot(blocks []Block) (figure, error) {
	p := plot.New()
	f := figure{name: "propagation", plot: p, w: wideW, h: wideH}
	p.X.Label.Text = "block height"
	p.Y.Label.Text = "first → last node (ms)"
	p.Y.Min = 0
	if len(blocks) == 0 {
		p.Title.Text = "block propagation: no block that every running chain node held at the end"
		return f, nil
	}
	xys := make(plotter.XYs, len(blocks))
	spreads := make([]time.Duration, len(blocks))
	for i, b := range blocks {
		xys[i] = plotter.XY{X: float64(b.Height), Y: float64(b.Spread) / 1e6}
		spreads[i] = b.Spread
	}
	slices.Sort(spreads)
	p.Title.Text = fmt.Sprintf("block propagation to every chain node, last %d blocks: median %s, max %s",
		len(blocks), roughly(spreads[len(spreads)/2]), roughly(spreads[len(spreads)-1]))
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return f, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: palette[0], Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
	p.Add(plotter.NewGrid(), sc)
	return f, nil
}

// roughly is d to three significant digits or so: 1.8s, 169ms, 4.8ms.
func roughly(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Microsecond)
}
