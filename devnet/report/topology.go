package report

import (
	"fmt"
	"image/color"
	"maps"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// topologyPlot draws the nodes on a circle (the bootstrap in the middle)
// and an edge per connection of the last /peers, dashed to the bootstrap;
// a node that did not answer is grey. Peer IDs become node names through
// each node's /status peer_id.
func topologyPlot(run *Run, s *Samples) (figure, error) {
	p := plot.New()
	f := figure{name: "topology", plot: p, w: squareSide, h: squareSide}
	p.HideAxes()
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -1.45, 1.45, -1.45, 1.45
	names := map[string]string{} // peer ID → node
	roles := map[string]string{}
	pos := map[string]plotter.XY{}
	var ring []*NodeSamples
	for _, n := range s.Nodes {
		names[n.PeerID], roles[n.Name] = n.Name, n.Role
		if n.Role == "bootstrap" {
			pos[n.Name] = plotter.XY{}
		} else {
			ring = append(ring, n)
		}
	}
	for i, n := range ring {
		a := math.Pi/2 - 2*math.Pi*float64(i)/float64(len(ring)) // clockwise from the top
		pos[n.Name] = plotter.XY{X: math.Cos(a), Y: math.Sin(a)}
	}
	edges := map[[2]string]bool{}
	for _, n := range s.Nodes {
		for _, id := range run.Peers[n.Name] {
			if other, ok := names[id]; ok && other != n.Name {
				e := [2]string{n.Name, other}
				if e[1] < e[0] {
					e[0], e[1] = e[1], e[0]
				}
				edges[e] = true
			}
		}
	}
	for _, e := range slices.SortedFunc(maps.Keys(edges), func(a, b [2]string) int { return slices.Compare(a[:], b[:]) }) {
		sty := draw.LineStyle{Color: faded(palette[0]), Width: vg.Points(0.8)}
		if len(edges) > 100 { // a dense graph in thinner lines
			sty.Width = vg.Points(0.4)
		}
		if roles[e[0]] == "bootstrap" || roles[e[1]] == "bootstrap" {
			sty = draw.LineStyle{Color: grey, Width: vg.Points(0.5), Dashes: []vg.Length{vg.Points(2), vg.Points(3)}}
		}
		if err := addSegment(p, pos[e[0]], pos[e[1]], sty); err != nil {
			return f, err
		}
	}
	switch {
	case len(s.Nodes) == 0:
		p.Title.Text = "final topology: no node was sampled"
	case run.Peers == nil:
		p.Title.Text = fmt.Sprintf("final topology of %d nodes: connections not read (the run was interrupted)", len(s.Nodes))
	default:
		p.Title.Text = fmt.Sprintf("final topology: %d nodes, %d connections (dashed: to the bootstrap; grey: no answer)", len(s.Nodes), len(edges))
	}
	return f, addNodes(p, s.Nodes, pos, run.Peers)
}

// addNodes draws each node as a dot with its name outside the circle,
// along the radius so that 50 names do not overlap.
func addNodes(p *plot.Plot, nodes []*NodeSamples, pos map[string]plotter.XY, peers map[string][]string) error {
	labels := &plotter.Labels{}
	for _, n := range nodes {
		at := pos[n.Name]
		glyph := draw.GlyphStyle{Color: palette[0], Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
		if n.Role == "bootstrap" {
			glyph.Color, glyph.Shape = black, draw.BoxGlyph{}
		}
		if _, answered := peers[n.Name]; !answered {
			glyph.Color = grey
		}
		dot, err := plotter.NewScatter(plotter.XYs{at})
		if err != nil {
			return err
		}
		dot.GlyphStyle = glyph
		p.Add(dot)
		sty := textStyle(8, black)
		a := math.Atan2(at.Y, at.X)
		label := plotter.XY{X: at.X * 1.07, Y: at.Y * 1.07}
		switch {
		case n.Role == "bootstrap":
			label, sty.XAlign, sty.YAlign = plotter.XY{Y: -0.06}, draw.XCenter, draw.YTop
		case at.X < -1e-9: // the left half reads from the outside in
			sty.Rotation, sty.XAlign, sty.YAlign = a+math.Pi, draw.XRight, draw.YCenter
		default:
			sty.Rotation, sty.YAlign = a, draw.YCenter
		}
		labels.XYs = append(labels.XYs, label)
		labels.Labels = append(labels.Labels, n.Name)
		labels.TextStyle = append(labels.TextStyle, sty)
	}
	p.Add(labels)
	return nil
}

// faded is c two-thirds opaque: crossing edges stay readable.
func faded(c color.RGBA) color.RGBA {
	return color.RGBA{R: uint8(uint16(c.R) * 2 / 3), G: uint8(uint16(c.G) * 2 / 3), B: uint8(uint16(c.B) * 2 / 3), A: 0xaa}
}
