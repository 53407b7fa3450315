package report

import (
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxLines is the most nodes drawn a line each, named in the legend. A
// larger devnet is drawn as the min, median and max across its nodes: 50
// lines in ten colours cannot be told apart and 50 legend entries do not
// fit beside a plot, while the envelope shows what a many-node run asks
// (how far apart the nodes are, whether any falls behind) and keeps the
// report of a 10-minute, 50-node run small.
const maxLines = 10

// palette is Tableau's ten colours: distinct for maxLines lines.
var palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff},
	{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff},
	{0xbc, 0xbd, 0x22, 0xff}, {0x17, 0xbe, 0xcf, 0xff},
}

var (
	black = color.RGBA{A: 0xff}
	grey  = color.RGBA{0x99, 0x99, 0x99, 0xff}
	dash  = []vg.Length{vg.Points(4), vg.Points(3)}
)

// value is one node's figure at sample i; false where it has none (the
// node did not answer).
type value func(n *NodeSamples, i int) (float64, bool)

// column turns a column of the samples into a value that is absent where
// the node was down.
func column[T uint64 | int](col func(*NodeSamples) []T, scale float64) value {
	return func(n *NodeSamples, i int) (float64, bool) {
		return float64(col(n)[i]) * scale, n.Up[i]
	}
}

// addSeries draws v of each node over time: a line each up to maxLines
// nodes, else their envelope (see maxLines).
func addSeries(p *plot.Plot, t []float64, nodes []*NodeSamples, v value) error {
	if len(nodes) <= maxLines {
		for k, n := range nodes {
			sty := draw.LineStyle{Color: palette[k%len(palette)], Width: vg.Points(1)}
			if err := addLine(p, t, func(i int) (float64, bool) { return v(n, i) }, sty, n.Name); err != nil {
				return err
			}
		}
		return nil
	}
	at := func(pick func(sorted []float64) float64) func(int) (float64, bool) {
		var vals []float64
		return func(i int) (float64, bool) {
			vals = vals[:0]
			for _, n := range nodes {
				if y, ok := v(n, i); ok {
					vals = append(vals, y)
				}
			}
			if len(vals) == 0 {
				return 0, false
			}
			slices.Sort(vals)
			return pick(vals), true
		}
	}
	for _, e := range []struct {
		name string
		sty  draw.LineStyle
		pick func([]float64) float64
	}{
		{"max", draw.LineStyle{Color: palette[3], Width: vg.Points(1), Dashes: dash}, func(s []float64) float64 { return s[len(s)-1] }},
		{"median", draw.LineStyle{Color: palette[0], Width: vg.Points(1.5)}, func(s []float64) float64 { return s[len(s)/2] }},
		{"min", draw.LineStyle{Color: palette[2], Width: vg.Points(1), Dashes: dash}, func(s []float64) float64 { return s[0] }},
	} {
		if err := addLine(p, t, at(e.pick), e.sty, e.name); err != nil {
			return err
		}
	}
	return nil
}

// addLine draws y over t as a line broken where y has no value (a lone
// point as a dot), named in the legend.
func addLine(p *plot.Plot, t []float64, y func(int) (float64, bool), sty draw.LineStyle, name string) error {
	var seg plotter.XYs
	flush := func() error {
		defer func() { seg = nil }()
		switch len(seg) {
		case 0:
			return nil
		case 1:
			s, err := plotter.NewScatter(seg)
			if err != nil {
				return err
			}
			s.GlyphStyle = draw.GlyphStyle{Color: sty.Color, Radius: vg.Points(1.5), Shape: draw.CircleGlyph{}}
			p.Add(s)
			return nil
		}
		l, err := plotter.NewLine(seg)
		if err != nil {
			return err
		}
		l.LineStyle = sty
		p.Add(l)
		return nil
	}
	for i, x := range t {
		v, ok := y(i)
		if !ok {
			if err := flush(); err != nil {
				return err
			}
			continue
		}
		seg = append(seg, plotter.XY{X: x, Y: v})
	}
	if err := flush(); err != nil {
		return err
	}
	p.Legend.Add(name, &plotter.Line{LineStyle: sty})
	return nil
}

// stepMark is a vertical line at a step's start, labelled by its index.
type stepMark struct {
	x     float64
	label string
}

// stepMarks draws the marks across the plot's height; a label that would
// overlap the one before it is left out (the line stays).
type stepMarks []stepMark

func (m stepMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	line := draw.LineStyle{Color: grey, Width: vg.Points(0.5), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}
	label := textStyle(7, grey)
	label.YAlign = draw.YTop
	next := c.Min.X
	for _, mk := range m {
		x := trX(mk.x)
		if x < c.Min.X || x > c.Max.X {
			continue
		}
		c.StrokeLine2(line, x, c.Min.Y, x, c.Max.Y)
		if x >= next {
			c.FillText(label, vg.Point{X: x + vg.Points(1), Y: c.Max.Y}, mk.label)
			next = x + label.Width(mk.label) + vg.Points(3)
		}
	}
}

// DataRange widens the x axis to every mark and leaves y alone.
func (m stepMarks) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	for _, mk := range m {
		xmin, xmax = min(xmin, mk.x), max(xmax, mk.x)
	}
	return xmin, xmax, math.Inf(1), math.Inf(-1)
}

func textStyle(size float64, c color.Color) draw.TextStyle {
	return draw.TextStyle{Color: c, Font: font.From(plot.DefaultFont, vg.Points(size)), Handler: plot.DefaultTextHandler}
}
