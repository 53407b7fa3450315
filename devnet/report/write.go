package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The files Write makes in its folder, besides a PNG per plot.
const (
	HTMLFile    = "report.html"
	SamplesFile = "samples.json"
)

// legendW is the strip right of a plot that holds its legend, so that the
// legend never covers a line.
const legendW = 1.5 * vg.Inch

//go:embed report.html.tmpl
var page string

// Write writes run's report into dir: HTMLFile, a PNG per plot and
// SamplesFile (when there are samples). PNGs of plots this run does not
// have (a load's, left by an earlier run into the same folder) are
// removed so that none is taken for this run's.
func Write(dir string, run *Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if run.Samples != nil {
		raw, err := json.Marshal(run.Samples)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, SamplesFile), append(raw, '\n'), 0o644); err != nil {
			return err
		}
	}
	tmpl, err := template.New("report").Funcs(template.FuncMap{
		"secs": func(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) },
	}).Parse(page)
	if err != nil {
		return err
	}
	figs, err := figures(run)
	if err != nil {
		return err
	}
	v := view{Run: run, Verdict: verdict(run)}
	drawn := map[string]bool{}
	for _, f := range figs {
		svg, err := drawFigure(dir, f)
		if err != nil {
			return fmt.Errorf("plot %s: %w", f.name, err)
		}
		drawn[f.name] = true
		v.Plots = append(v.Plots, plotView{Name: f.name, SVG: svg})
	}
	for _, name := range plotNames {
		if drawn[name] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name+".png")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, v); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, HTMLFile), b.Bytes(), 0o644)
}

// drawFigure writes f's PNG into dir and returns its SVG for the page.
func drawFigure(dir string, f figure) (template.HTML, error) {
	png, err := render(f, "png")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, f.name+".png"), png, 0o644); err != nil {
		return "", err
	}
	svg, err := render(f, "svg")
	if err != nil {
		return "", err
	}
	// The SVG is gonum's, from numbers and text it escaped itself; its
	// XML prolog has no place inside HTML.
	i := bytes.Index(svg, []byte("<svg"))
	if i < 0 {
		return "", errors.New("no <svg> in gonum's SVG")
	}
	return template.HTML(svg[i:]), nil
}

// render draws f in format ("svg" or "png"), its legend in a strip to the
// right of the plot.
func render(f figure, format string) ([]byte, error) {
	c, err := draw.NewFormattedCanvas(f.w, f.h, format)
	if err != nil {
		return nil, err
	}
	dc := draw.New(c)
	legend := f.plot.Legend
	p := *f.plot
	p.Legend = plot.NewLegend()
	if p.Y.Max <= p.Y.Min { // nothing but zeros: 0 to 1 rather than -1 to 1
		p.Y.Max = p.Y.Min + 1
	}
	if legend.Rectangle(dc).Size().X > 0 {
		legend.Top, legend.Left = true, true
		legend.TextStyle.Font.Size, legend.Padding = vg.Points(10), vg.Points(2)
		legend.Draw(draw.Crop(dc, f.w-legendW+vg.Points(6), 0, 0, -vg.Points(24)))
		dc = draw.Crop(dc, 0, -legendW, 0, 0)
	}
	p.Draw(dc)
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// view is what the page template reads.
type view struct {
	*Run
	Verdict verdictView
	Plots   []plotView
}

type plotView struct {
	Name string
	SVG  template.HTML
}

type verdictView struct {
	Pass bool
	// Step is the failed step, nil when the run failed outside a step.
	Step *Step
	Err  string
}

func verdict(run *Run) verdictView {
	if run.Err == "" {
		return verdictView{Pass: true}
	}
	for i, s := range run.Steps {
		if s.Err != "" {
			return verdictView{Step: &run.Steps[i], Err: s.Err}
		}
	}
	return verdictView{Err: strings.TrimSpace(run.Err)}
}
