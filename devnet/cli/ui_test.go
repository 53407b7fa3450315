package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/backend/process"
	"github.com/devchain/devchain/devnet/state"
	"github.com/devchain/devchain/internal/testutil"
)

// uiRun is `devnet ui` running in-process on a free loopback port.
type uiRun struct {
	url  string     // as printed, with the token under --control
	base string     // scheme and host
	out  string     // the file its output goes to (an *os.File takes writes from any goroutine)
	done chan error // receives when the command returns
}

// output is what the command printed so far.
func (u *uiRun) output(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(u.out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// startUI runs `devnet ui ARGS` until the test ends and returns once it
// printed its URL.
func startUI(t testing.TB, stateDir string, args ...string) *uiRun {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "ui-out")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	u := &uiRun{out: out.Name(), done: make(chan error, 1)}
	cmd := NewRootCommand(out, out)
	cmd.SetArgs(append([]string{"--state-dir", stateDir, "ui", "--listen", "127.0.0.1:0"}, args...))
	ctx, cancel := context.WithCancel(context.Background())
	go func() { u.done <- cmd.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-u.done; err != nil {
			t.Errorf("devnet ui: %v", err)
		}
	})
	re := regexp.MustCompile(`http://[0-9.:]+/\S*`)
	testutil.WaitFor(t, 10*time.Second, "devnet ui to print its URL", func() bool {
		u.url = re.FindString(u.output(t))
		return u.url != ""
	})
	u.base = u.url[:strings.Index(u.url[len("http://"):], "/")+len("http://")]
	return u
}

// browser is a headless chromium tab, or a skip where there is none.
func browser(t testing.TB) context.Context {
	t.Helper()
	exe := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			exe = p
			break
		}
	}
	if exe == "" {
		t.Skip("no chromium: neither chromium nor chromium-browser is on PATH (Debian: apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.WindowSize(1400, 1000))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("chromium %s does not start: %v", exe, err)
	}
	return ctx
}

// js evaluates a JavaScript expression in the page.
func js[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitPage polls the page until the JavaScript condition holds, failing
// after within; it returns how long that took.
func waitPage(t testing.TB, ctx context.Context, within time.Duration, what, cond string) time.Duration {
	t.Helper()
	start := time.Now()
	testutil.WaitFor(t, within, what, func() bool { return js[bool](t, ctx, cond) })
	return time.Since(start)
}

// uiArtifacts is build/artifacts/ui at the root of the repository.
func uiArtifacts(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
	dir = filepath.Join(dir, "build", "artifacts", "ui")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves the whole page as an artefact.
func screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(uiArtifacts(t), name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
}

// Page conditions, in JavaScript.
const (
	jsChainTips = `new Set([...document.querySelectorAll('#graph g.node[data-state=running]')].filter(g => g.dataset.tip).map(g => g.querySelector('circle').getAttribute('fill'))).size`
	jsGroups    = `[...document.querySelectorAll('#graph g.group.component')].map(g => g.dataset.size).sort().join(' ')`
)

func jsNodeState(name, state string) string {
	return fmt.Sprintf(`document.querySelector('#graph g.node[data-name=%q]')?.dataset.state === %q`, name, state)
}

// click clicks what the selector finds, in the page (the page redraws
// every second, so a click from outside could find the element replaced).
func click(t testing.TB, ctx context.Context, selector string) {
	t.Helper()
	if !js[bool](t, ctx, fmt.Sprintf(`(e => e ? (e.dispatchEvent(new MouseEvent('click', {bubbles: true})), true) : false)(document.querySelector(%q))`, selector)) {
		t.Fatalf("nothing to click at %s", selector)
	}
}

// pressNodeButton selects a node and presses one of its action buttons,
// then waits for the page to say the action is done.
func pressNodeButton(t *testing.T, ctx context.Context, node, action string) {
	t.Helper()
	click(t, ctx, fmt.Sprintf(`#graph g.node[data-name=%q]`, node))
	waitPage(t, ctx, 5*time.Second, "the action buttons", fmt.Sprintf(`!!document.querySelector('#detail-actions button[data-action=%q]')`, action))
	click(t, ctx, fmt.Sprintf(`#detail-actions button[data-action=%q]`, action))
	waitPage(t, ctx, 60*time.Second, action+" of "+node+" to end", fmt.Sprintf(`document.getElementById('message').textContent.startsWith(%q)`, action+": "))
	if msg := js[string](t, ctx, `document.getElementById('message').textContent`); msg != action+": done" {
		t.Fatalf("%s of %s: %s", action, node, msg)
	}
}

// The live view of a process devnet of 10 chain nodes in headless chromium:
// every node drawn, a kill greyed, a partition as two groups, a fork as two
// colours, the reorg after the heal in the timeline, a stop button that
// stops, and the control route refused without the token or from another
// origin; the page stays up, saying so, when the devnet goes away.
func TestUIInBrowser(t *testing.T) {
	ctx := browser(t)
	stateDir := t.TempDir()
	f := writeScenario(t, "name: uitest\nnodes:\n  - name: peer\n    count: 10\n    wallets: [w]\n")
	t.Cleanup(func() { _, _ = runDevnet(t, stateDir, "down", "--all") })
	if out, err := runDevnet(t, stateDir, "up", "-f", f, "--runtime", "process", "--chaind", realChaind); err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	ui := startUI(t, stateDir, "uitest", "--control")

	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(ui.url)); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, 10*time.Second, "11 nodes drawn", `document.querySelectorAll('#graph g.node').length === 11`)
	t.Logf("navigation to all 11 nodes drawn: %s", time.Since(start).Round(time.Millisecond))
	waitPage(t, ctx, 30*time.Second, "one group of 10 peered chain nodes", jsGroups+` === '10'`)
	screenshot(t, ctx, "1-devnet")

	pressNodeButton(t, ctx, "peer-10", "kill")
	took := waitPage(t, ctx, 2*time.Second, "peer-10 greyed", jsNodeState("peer-10", "down"))
	t.Logf("killed node greyed %s after the kill returned", took.Round(time.Millisecond))
	if fill := js[string](t, ctx, `document.querySelector('#graph g.node[data-name="peer-10"] circle').getAttribute('fill')`); fill != "#c8c8c8" {
		t.Errorf("a killed node is drawn %s, want grey", fill)
	}
	screenshot(t, ctx, "2-killed")
	pressNodeButton(t, ctx, "peer-10", "start")
	waitPage(t, ctx, 30*time.Second, "peer-10 back in the group", jsGroups+` === '10'`)

	for i := 1; i <= 5; i++ {
		click(t, ctx, fmt.Sprintf(`#nodes tr[data-name="peer-%d"] input[type=checkbox]`, i))
	}
	click(t, ctx, "#partition")
	waitPage(t, ctx, 10*time.Second, "the partition to be done", `document.getElementById('message').textContent === 'partition: done'`)
	took = waitPage(t, ctx, 2*time.Second, "two groups of 5", jsGroups+` === '5 5'`)
	t.Logf("partition drawn as two groups %s after it was made", took.Round(time.Millisecond))
	screenshot(t, ctx, "3-partition")

	mint := func(node string, blocks int) {
		t.Helper()
		c, err := backend.Client(attachProcess(t, stateDir, "uitest"), node)
		if err != nil {
			t.Fatal(err)
		}
		mctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := c.Mint(mctx, "w", blocks); err != nil {
			t.Fatalf("mint on %s: %v", node, err)
		}
	}
	mint("peer-1", 1)
	mint("peer-6", 2)
	waitPage(t, ctx, 10*time.Second, "a fork drawn as two colours", jsChainTips+` === 2`)
	screenshot(t, ctx, "4-fork")

	click(t, ctx, "#heal")
	waitPage(t, ctx, 10*time.Second, "the heal to be done", `document.getElementById('message').textContent === 'heal: done'`)
	mint("peer-6", 1) // announced to the healed half, which then takes the longer chain
	waitPage(t, ctx, 90*time.Second, "one colour and one group again", jsChainTips+` === 1 && `+jsGroups+` === '10'`)
	waitPage(t, ctx, 5*time.Second, "a reorg in the timeline", `!!document.querySelector('#timeline li.reorg')`)
	t.Logf("timeline: %s", js[string](t, ctx, `document.querySelector('#timeline li.reorg').textContent`))
	screenshot(t, ctx, "5-healed")

	pressNodeButton(t, ctx, "peer-3", "stop")
	waitPage(t, ctx, 2*time.Second, "peer-3 greyed", jsNodeState("peer-3", "down"))
	if be := attachProcess(t, stateDir, "uitest"); be.Running("peer-3") {
		t.Error("the stop button did not stop peer-3's process")
	}

	// The same request from Go: refused without the token or from another
	// origin, and nothing stops.
	body := `{"action":"stop","nodes":["peer-4"]}`
	token := ui.url[strings.Index(ui.url, "token=")+len("token="):]
	for _, c := range []struct {
		why    string
		header map[string]string
	}{
		{"no token", map[string]string{"Origin": ui.base}},
		{"another origin", map[string]string{"Origin": "http://evil.example", "Authorization": "Bearer " + token}},
	} {
		if code, msg := postControl(t, ui.base, c.header, body); code != http.StatusForbidden {
			t.Errorf("%s: %d %s, want 403", c.why, code, msg)
		}
	}
	if code, msg := postControl(t, ui.base, map[string]string{"Origin": ui.base, "Authorization": "Bearer " + token}, `{"action":"start","nodes":["peer-3"]}`); code != http.StatusOK {
		t.Errorf("start with the token: %d %s", code, msg)
	}
	if be := attachProcess(t, stateDir, "uitest"); !be.Running("peer-4") || !be.Running("peer-3") {
		t.Error("peer-4 should run (every stop was refused) and peer-3 again (started)")
	}

	// Read-only: no buttons, and the route does not exist.
	ro := startUI(t, stateDir, "uitest")
	if strings.Contains(ro.url, "token") {
		t.Errorf("read-only URL carries a token: %s", ro.url)
	}
	rctx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(rctx, chromedp.Navigate(ro.url)); err != nil {
		t.Fatal(err)
	}
	waitPage(t, rctx, 10*time.Second, "11 nodes drawn", `document.querySelectorAll('#graph g.node').length === 11`)
	click(t, rctx, `#graph g.node[data-name="peer-1"]`)
	waitPage(t, rctx, 5*time.Second, "peer-1's status", `document.getElementById('detail-status').textContent.includes('"peer_id"')`)
	if js[bool](t, rctx, `!document.getElementById('controls').hidden || document.querySelectorAll('#detail-actions button, #nodes input').length > 0`) {
		t.Error("a read-only page shows control buttons")
	}
	if code, msg := postControl(t, ro.base, map[string]string{"Origin": ro.base, "Authorization": "Bearer " + token}, body); code != http.StatusNotFound {
		t.Errorf("control route without --control: %d %s, want 404", code, msg)
	}

	// The devnet goes away while the page is open.
	if out, err := runDevnet(t, stateDir, "down", "uitest"); err != nil {
		t.Fatalf("down: %v\n%s", err, out)
	}
	waitPage(t, ctx, 10*time.Second, "the gone banner", `document.getElementById('banner').textContent.startsWith('devnet uitest is gone: ')`)
	screenshot(t, ctx, "6-gone")
	if js[bool](t, ctx, `!document.getElementById('controls').hidden || document.querySelectorAll('#detail-actions button').length > 0`) {
		t.Error("the page offers actions on a devnet that is gone")
	}
	select {
	case err := <-ui.done:
		t.Fatalf("devnet ui ended when the devnet went: %v", err)
	default:
	}
	if out := ui.output(t); strings.Count(out, "devnet uitest is gone") != 1 {
		t.Errorf("devnet ui should say once that the devnet is gone:\n%s", out)
	}
}

// attachProcess attaches to a process devnet afresh (its state as on disk).
func attachProcess(t testing.TB, stateDir, devnet string) *process.Backend {
	t.Helper()
	store := &state.Store{Root: stateDir}
	rec, err := store.Read(devnet)
	if err != nil {
		t.Fatal(err)
	}
	be, err := process.Provider.New(backend.Options{StateDir: store.Dir(devnet)})
	if err != nil {
		t.Fatal(err)
	}
	if err := be.Attach(context.Background(), rec.Network); err != nil {
		t.Fatal(err)
	}
	return be.(*process.Backend)
}

// postControl posts a control request as a page would, with header (and
// the JSON Content-Type); it returns the status and the error message.
func postControl(t *testing.T, base string, header map[string]string, body string) (int, string) {
	t.Helper()
	req := &http.Request{Method: http.MethodPost, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
	var err error
	if req.URL, err = url.Parse(base + "/api/control"); err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = []string{v}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct{ Error string }
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Error
}

// An unknown devnet is an error before anything listens; a port in use is
// an error that names the address.
func TestUIUnknownDevnetAndPortInUse(t *testing.T) {
	stateDir := t.TempDir()
	_, err := runDevnet(t, stateDir, "ui", "ghost", "--listen", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "devnet ghost: no record") {
		t.Errorf("ui of an unknown devnet: %v", err)
	}
	if _, err := runDevnet(t, stateDir, "ui", "a", "--name", "b"); err == nil || !strings.Contains(err.Error(), `NAME "a" and --name "b" differ`) {
		t.Errorf("ui with two names: %v", err)
	}
	f := writeScenario(t, "name: uiport\nnodes:\n  - name: a\n")
	t.Cleanup(func() { _, _ = runDevnet(t, stateDir, "down", "--all") })
	if out, err := runDevnet(t, stateDir, "up", "-f", f, "--runtime", "process", "--chaind", fakeChaind); err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	_, err = runDevnet(t, stateDir, "ui", "--listen", addr)
	if err == nil || !strings.Contains(err.Error(), "listen on "+addr) || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("ui on a port in use: %v", err)
	}
}

// BenchmarkUIFiftyNodes watches a process devnet of 50 chain nodes (one
// mining every second) in headless chromium and reports the time from
// navigation to all 51 nodes drawn, how far the page lags a node (a block
// mined → its height in the table, the worst of 5), and the CPU this
// process spends over 20 s of watching: an upper bound of devnet ui's, as
// the process also drives the browser.
// Run: go test -run '^$' -bench UIFiftyNodes -benchtime 1x ./devnet/cli
func BenchmarkUIFiftyNodes(b *testing.B) {
	ctx := browser(b)
	stateDir := b.TempDir()
	f := filepath.Join(b.TempDir(), "ui50.yaml")
	body := "name: ui50\nnodes:\n  - name: miner\n    minter: w\n    mine_interval: 1s\n  - name: peer\n    count: 49\n"
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _, _ = runDevnet(b, stateDir, "down", "--all") })
	if out, err := runDevnet(b, stateDir, "up", "-f", f, "--runtime", "process", "--chaind", realChaind); err != nil {
		b.Fatalf("up: %v\n%s", err, out)
	}
	ui := startUI(b, stateDir, "ui50")
	miner, err := backend.Client(attachProcess(b, stateDir, "ui50"), "miner")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		start := time.Now()
		if err := chromedp.Do(ctx, chromedp.Navigate(ui.url)); err != nil {
			b.Fatal(err)
		}
		waitPage(b, ctx, 30*time.Second, "51 nodes drawn", `document.querySelectorAll('#graph g.node').length === 51`)
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-to-graph")

		var lag time.Duration
		for range 5 {
			m, err := miner.Mint(context.Background(), "w", 1)
			if err != nil {
				b.Fatal(err)
			}
			lag = max(lag, waitPage(b, ctx, 10*time.Second, "the mined height in the table",
				fmt.Sprintf(`+document.querySelector('#nodes tr[data-name="miner"] td:nth-child(4)').textContent >= %d`, m.Height)))
		}
		b.ReportMetric(float64(lag.Milliseconds()), "ms-max-lag")

		var before, after syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
		const window = 20 * time.Second
		time.Sleep(window) // a measuring window, not a wait for anything
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
		b.ReportMetric(100*cpu.Seconds()/window.Seconds(), "cpu-%")
		screenshot(b, ctx, "50-nodes")
	}
}
