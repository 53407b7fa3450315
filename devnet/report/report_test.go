package report

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/devnet/load"
)

// synthetic is a run of n chain nodes and a bootstrap sampled once a
// second for secs seconds: heights rise by one a second, node 2 is down
// for ten samples, every node peers with the next two and the bootstrap,
// and step 2 is a load.
func synthetic(n, secs int) *Run {
	start := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	s := &Samples{Start: start, Interval: 1}
	boot := &NodeSamples{Name: "bootstrap", Role: "bootstrap", PeerID: "id-boot"}
	s.Nodes = append(s.Nodes, boot)
	for k := 1; k <= n; k++ {
		s.Nodes = append(s.Nodes, &NodeSamples{Name: fmt.Sprintf("peer-%d", k), Role: "node", PeerID: fmt.Sprintf("id-%d", k)})
	}
	for i := range secs {
		s.T = append(s.T, float64(i)+0.01)
		for k, ns := range s.Nodes {
			up := !(k == 2 && i >= 20 && i < 30)
			h := uint64(0)
			if up && ns.Role == "node" {
				h = uint64(i + k%3)
			}
			ns.Up = append(ns.Up, up)
			ns.Height = append(ns.Height, h)
			ns.Tip = append(ns.Tip, fmt.Sprintf("%012x", h))
			ns.Peers = append(ns.Peers, 2+k%3)
			ns.Connections = append(ns.Connections, 3+k%3)
			ns.Mempool = append(ns.Mempool, (i*7+k)%50)
			ns.RSSBytes = append(ns.RSSBytes, uint64(28e6+k*1e5+i*1e3))
			ns.TxsReceived = append(ns.TxsReceived, float64(i*100+k))
		}
	}
	peers := map[string][]string{"bootstrap": nil}
	for k := 1; k <= n; k++ {
		peers[fmt.Sprintf("peer-%d", k)] = []string{"id-boot", fmt.Sprintf("id-%d", k%n+1), fmt.Sprintf("id-%d", (k+1)%n+1)}
	}
	var blocks []Block
	for h := uint64(1); h <= 50; h++ {
		blocks = append(blocks, Block{Height: h, Spread: time.Duration(h) * time.Millisecond, Slowest: "peer-1"})
	}
	at := func(sec int) time.Time { return start.Add(time.Duration(sec) * time.Second) }
	return &Run{
		Name: "synthetic", Runtime: "process",
		Steps: []Step{
			{Index: 1, Name: "peers", Pos: "s.yaml:5", Start: at(0), Duration: 2 * time.Second},
			{Index: 2, Name: "load", Pos: "s.yaml:6", Start: at(2), Duration: time.Duration(secs/2) * time.Second},
			{Index: 3, Name: "converged", Pos: "s.yaml:7", Start: at(2 + secs/2), Duration: time.Second},
		},
		Samples: s,
		Blocks:  blocks,
		Loads:   []Load{{Step: 2, Report: &load.Report{Rate: 100, Submitted: 500, Accepted: 500, Confirmed: 500, ConfirmedTPS: 98.5, LatencyP50: 0.6, LatencyP99: 1.2}}},
		Peers:   peers,
	}
}

// figuresIn are the ids of the report's plot figures that hold an inline
// SVG.
func figuresIn(t *testing.T, html string) []string {
	t.Helper()
	var ids []string
	for _, m := range regexp.MustCompile(`(?s)<figure id="plot-(\w+)">\s*<svg.*?</svg>`).FindAllStringSubmatch(html, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func writeReport(t *testing.T, run *Run) (dir, html string) {
	t.Helper()
	dir = t.TempDir()
	if err := Write(dir, run); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	return dir, string(raw)
}

// checkPNGs checks each named plot's PNG decodes and is not empty.
func checkPNGs(t *testing.T, dir string, names []string) {
	t.Helper()
	for _, name := range names {
		raw, err := os.ReadFile(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Errorf("%s.png: %v", name, err)
			continue
		}
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil || img.Bounds().Dx() < 100 || img.Bounds().Dy() < 100 {
			t.Errorf("%s.png (%d bytes) does not decode as a plot: %v", name, len(raw), err)
		}
	}
}

// The report of a 10-minute, 50-node run stays within 2 MB and holds every
// plot, inline and as PNG.
func TestReportFiftyNodesTenMinutes(t *testing.T) {
	start := time.Now()
	dir, html := writeReport(t, synthetic(50, 600))
	t.Logf("report of 600 samples × 51 nodes: %d bytes, written in %s", len(html), time.Since(start).Round(time.Millisecond))
	if len(html) > 2<<20 {
		t.Errorf("report.html is %d bytes, want ≤ 2 MB", len(html))
	}
	got := figuresIn(t, html)
	if strings.Join(got, " ") != strings.Join(plotNames, " ") {
		t.Errorf("figures %v, want %v", got, plotNames)
	}
	checkPNGs(t, dir, plotNames)
	// Fifty nodes are drawn as their envelope: no node is named in the
	// height plot's legend.
	height := html[strings.Index(html, `id="plot-height"`):strings.Index(html, `id="plot-tips"`)]
	if strings.Contains(height, ">peer-7<") || !strings.Contains(height, ">median<") {
		t.Errorf("the 50-node height plot should show the min/median/max envelope, not a line per node")
	}
	topo := html[strings.Index(html, `id="plot-topology"`):]
	if !strings.Contains(topo, "51 nodes, 150 connections") || !strings.Contains(topo, ">peer-50<") {
		t.Errorf("topology: want 51 nodes and 150 connections (each node's next two and the bootstrap), each named")
	}
	if _, err := os.Stat(filepath.Join(dir, SamplesFile)); err != nil {
		t.Error(err)
	}
}

// A few nodes get a line each, named in the legend; the verdict names the
// failed step and its error; the step table shows every step's result.
func TestReportFewNodesFailedStep(t *testing.T) {
	run := synthetic(3, 60)
	run.Err = `step 3 "converged" (s.yaml:7) failed: did not hold`
	run.Steps[2].Err = "did not hold within 30s: two tips"
	run.Steps = append(run.Steps, Step{Index: 4, Name: "height", Pos: "s.yaml:8", Skipped: true})
	dir, html := writeReport(t, run)
	height := html[strings.Index(html, `id="plot-height"`):strings.Index(html, `id="plot-tips"`)]
	for _, name := range []string{"peer-1", "peer-2", "peer-3"} {
		if !strings.Contains(height, ">"+name+"<") {
			t.Errorf("the height plot's legend lacks %s", name)
		}
	}
	if !strings.Contains(html, `id="verdict">FAIL<`) || !strings.Contains(html, "Step 3 <b>converged</b> (s.yaml:7) failed:") ||
		!strings.Contains(html, "did not hold within 30s: two tips") {
		t.Errorf("the verdict does not name the failed step and its error")
	}
	for _, row := range []string{`<td>peers</td><td>s.yaml:5</td><td class="num">2.0 s</td><td>ok</td>`,
		`<td>converged</td><td>s.yaml:7</td><td class="num">1.0 s</td><td>FAIL: did not hold within 30s: two tips</td>`,
		`<td>height</td><td>s.yaml:8</td><td class="num"></td><td>skipped</td>`} {
		if !strings.Contains(html, row) {
			t.Errorf("the step table lacks %s", row)
		}
	}
	checkPNGs(t, dir, plotNames)
}

// A run that failed before its first step has no samples: the report
// still says why, lists the steps as skipped, and draws empty plots. PNGs
// an earlier run left (a load's) are removed.
func TestReportSetupFailure(t *testing.T) {
	dir, _ := writeReport(t, synthetic(3, 30))
	run := &Run{Name: "early", Err: "devnet not ready: did not hold within 1m0s", Steps: []Step{{Index: 1, Name: "mint", Pos: "s.yaml:4", Skipped: true}}}
	if err := Write(dir, run); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	html := string(raw)
	if !strings.Contains(html, "The run failed outside its steps:") || !strings.Contains(html, "devnet not ready") {
		t.Errorf("the verdict does not say the run failed before its steps")
	}
	for _, name := range []string{"throughput", "latency"} {
		if _, err := os.Stat(filepath.Join(dir, name+".png")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s.png of the earlier run is still there: %v", name, err)
		}
	}
	if got := figuresIn(t, html); len(got) != len(plotNames)-2 {
		t.Errorf("figures %v, want every plot but the load's", got)
	}
}
