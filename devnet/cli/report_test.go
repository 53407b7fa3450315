package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/devchain/devchain/devnet/report"
	"github.com/devchain/devchain/internal/testutil"
)

// Plots of every run's report, and those only a run with a load step has.
var (
	reportPlots = []string{"height", "tips", "peers", "mempool", "memory", "propagation", "topology"}
	loadPlots   = []string{"throughput", "latency"}
)

// readReport reads dir's report.html and checks that every named plot is
// in it as an inline SVG and beside it as a PNG that decodes.
func readReport(t *testing.T, dir string, plots []string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, report.HTMLFile))
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	html := string(raw)
	for _, name := range plots {
		if !regexp.MustCompile(`(?s)<figure id="plot-` + name + `">\s*<svg.*?</svg>`).MatchString(html) {
			t.Errorf("report.html holds no inline SVG of %s", name)
		}
		b, err := os.ReadFile(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Errorf("%s.png: %v", name, err)
			continue
		}
		if img, err := png.Decode(bytes.NewReader(b)); err != nil || img.Bounds().Empty() {
			t.Errorf("%s.png (%d bytes) is no PNG image: %v", name, len(b), err)
		}
	}
	return html
}

// A real run of 3 chain nodes with a mint and a short load leaves a report
// in its artefacts folder: the verdict, every step ok, every plot inline
// and as a PNG, samples of every node; in headless chromium every plot has
// a size.
func TestReportOfRun(t *testing.T) {
	state := t.TempDir()
	art := filepath.Join(t.TempDir(), "artefacts")
	t.Cleanup(func() { _, _ = runDevnet(t, state, "down", "--all") })
	f := writeScenario(t, `name: reportrun
nodes:
`+steadyMiner+`  - name: peer
    count: 2
steps:
  - peers: {node: all, min: 2}
  - mint: {node: miner, minter: w, blocks: 3}
  - load: {wallets: 10, rate: 50, for: 3s}
  - converged: {min_height: 4, within: 30s}
`)
	out := mustRun(t, state, "process", f, art)
	if !strings.Contains(out, "report in "+filepath.Join(art, report.HTMLFile)) {
		t.Errorf("the step log does not say where the report is:\n%s", out)
	}
	plots := append(loadPlots, reportPlots...)
	html := readReport(t, art, plots)
	if !strings.Contains(html, `id="verdict">PASS<`) {
		t.Error("the verdict is not PASS")
	}
	for i, step := range []string{"peers", "mint", "load", "converged"} {
		row := regexp.MustCompile(fmt.Sprintf(`<tr class="ok"><td class="num">%d</td><td>[^<]*%s[^<]*</td>.*<td>ok</td></tr>`, i+1, step))
		if !row.MatchString(html) {
			t.Errorf("the step table has no ok row for step %d (%s)", i+1, step)
		}
	}
	if !strings.Contains(html, "final topology: 4 nodes") {
		t.Error("the topology does not show the 4 nodes")
	}
	if regexp.MustCompile(`block propagation: no block`).MatchString(html) {
		t.Error("no block's propagation was measured")
	}
	raw, err := os.ReadFile(filepath.Join(art, report.SamplesFile))
	if err != nil {
		t.Fatal(err)
	}
	var s report.Samples
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Nodes) != 4 || len(s.T) < 3 || len(s.Nodes[1].Height) != len(s.T) || len(s.Nodes[1].TxsReceived) != len(s.T) {
		t.Fatalf("samples.json: %d nodes, %d samples; want 4 nodes, columns as long as t, txs_received (a load ran)", len(s.Nodes), len(s.T))
	}
	last := len(s.T) - 1
	if n := s.Nodes[1]; !n.Up[last] || n.Height[last] < 4 || n.PeerID == "" {
		t.Errorf("%s's last sample: up %v, height %d, peer ID %q", n.Name, n.Up[last], n.Height[last], n.PeerID)
	}
	t.Run("chromium", func(t *testing.T) {
		ctx := browser(t)
		if _, err := chromedp.Run(ctx, chromedp.Navigate("file://"+filepath.Join(art, report.HTMLFile))); err != nil {
			t.Fatal(err)
		}
		for _, name := range plots {
			size := js[[]float64](t, ctx, fmt.Sprintf(`(r => r ? [r.width, r.height] : [0, 0])(document.querySelector('#plot-%s svg')?.getBoundingClientRect())`, name))
			if size[0] <= 0 || size[1] <= 0 {
				t.Errorf("plot %s: size %v in the browser", name, size)
			}
		}
	})
}

// A failed run still writes its report, to --report when given: the
// verdict names the failed step and its error, later steps are skipped.
func TestReportOfFailedRun(t *testing.T) {
	state := t.TempDir()
	art, dir := filepath.Join(t.TempDir(), "artefacts"), filepath.Join(t.TempDir(), "report")
	t.Cleanup(func() { _, _ = runDevnet(t, state, "down", "--all") })
	f := writeScenario(t, `name: reportfail
nodes:
  - name: peer
    count: 2
steps:
  - peers: {node: all, min: 1}
  - name: a height no one mines
    height: {node: all, min: 50, within: 2s}
  - converged: {within: 10s}
`)
	_, err := runDevnet(t, state, "run", "-f", f, "--runtime", "process", "--chaind", realChaind, "--artifacts", art, "--report", dir)
	if err == nil {
		t.Fatal("the run passed")
	}
	html := readReport(t, dir, reportPlots)
	if !strings.Contains(html, `id="verdict">FAIL<`) || !strings.Contains(html, "Step 2 <b>a height no one mines</b>") ||
		!strings.Contains(html, "did not hold within 2s") {
		t.Errorf("the verdict does not name step 2 and why it failed")
	}
	if !strings.Contains(html, `<td>skipped</td></tr>`) {
		t.Error("step 3 is not shown as skipped")
	}
	if _, err := os.Stat(filepath.Join(art, report.HTMLFile)); err == nil {
		t.Error("with --report the report is also in the artefacts folder")
	}
	if _, err := os.Stat(filepath.Join(art, "steps.log")); err != nil {
		t.Errorf("the failed run left no step log: %v", err)
	}
}

// An interrupted run stops sampling, tears down and still writes its
// report, without the reads that would keep the nodes up longer.
func TestReportOfInterruptedRun(t *testing.T) {
	state := t.TempDir()
	art := filepath.Join(t.TempDir(), "artefacts")
	t.Cleanup(func() { _, _ = runDevnet(t, state, "down", "--all") })
	f := writeScenario(t, "name: reportint\nnodes:\n  - name: a\n  - name: b\nsteps:\n  - sleep: 1h\n")
	out, err := os.CreateTemp(t.TempDir(), "out") // an *os.File takes writes from any goroutine
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := NewRootCommand(out, out)
	cmd.SetArgs([]string{"--state-dir", state, "run", "-f", f, "--runtime", "process", "--chaind", fakeChaind, "--artifacts", art})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	testutil.WaitFor(t, 30*time.Second, "the sleep step", func() bool {
		b, err := os.ReadFile(out.Name())
		return err == nil && strings.Contains(string(b), "sleep 1h")
	})
	start := time.Now()
	cancel()
	if err := <-done; err == nil {
		t.Error("an interrupted run passed")
	}
	t.Logf("the run returned %s after the interrupt", time.Since(start).Round(time.Millisecond))
	html := readReport(t, art, reportPlots)
	if !strings.Contains(html, `id="verdict">FAIL<`) || !strings.Contains(html, "connections not read (the run was interrupted)") {
		t.Error("the report of an interrupted run should say FAIL and that the last connections were not read")
	}
	if _, err := os.Stat(filepath.Join(state, "reportint")); !os.IsNotExist(err) {
		t.Errorf("the interrupted devnet was not removed: %v", err)
	}
}

// --no-report writes no report; with --report it is refused.
func TestReportOff(t *testing.T) {
	state := t.TempDir()
	art := filepath.Join(t.TempDir(), "artefacts")
	t.Cleanup(func() { _, _ = runDevnet(t, state, "down", "--all") })
	f := writeScenario(t, "name: reportoff\nnodes:\n  - name: a\nsteps:\n  - peers: {node: all, min: 0}\n")
	if _, err := runDevnet(t, state, "run", "-f", f, "--no-report", "--report", "x"); err == nil || !strings.Contains(err.Error(), "--report and --no-report") {
		t.Errorf("--report with --no-report: %v", err)
	}
	if out, err := runDevnet(t, state, "run", "-f", f, "--runtime", "process", "--chaind", fakeChaind, "--artifacts", art, "--no-report"); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(art, report.HTMLFile)); err == nil {
		t.Error("--no-report wrote a report")
	}
}
