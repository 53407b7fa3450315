package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devchain/devchain/devnet/report"
	"github.com/devchain/devchain/devnet/scenario"
	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/node/controlapi"
)

func samplesOf(s *sampler) map[string]*report.NodeSamples {
	out := map[string]*report.NodeSamples{}
	for _, n := range s.samples.Nodes {
		out[n.Name] = n
	}
	return out
}

// A node that does not answer, and one the run stopped, are down in a
// sample; the others are read.
func TestSamplerRecordsDownNodes(t *testing.T) {
	r, rt, _ := newTestRunner(t, "", twoNodes(&fakeNode{height: 5}, &fakeNode{height: 3}))
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { <-req.Context().Done() }))
	t.Cleanup(hang.Close)
	rt.srv["b"] = hang
	r.setDown("bootstrap", "stopped")
	s := r.newSampler()
	s.sample(t.Context())
	s.sample(t.Context())
	got := samplesOf(s)
	if len(s.samples.T) != 2 {
		t.Fatalf("%d samples, want 2", len(s.samples.T))
	}
	if a := got["a"]; a.Up[0] != true || a.Up[1] != true || a.Height[1] != 5 || a.Tip[1] != "common-5" || a.Peers[1] != 1 {
		t.Errorf("a: %+v", a)
	}
	for _, name := range []string{"b", "bootstrap"} {
		if n := got[name]; n.Up[0] || n.Up[1] || len(n.Height) != 2 {
			t.Errorf("%s should be down in both samples: %+v", name, n)
		}
	}
}

// A long run keeps at most maxSamples: then every other sample goes and
// the interval doubles.
func TestSamplerThinsLongRuns(t *testing.T) {
	r, _, _ := newTestRunner(t, "", twoNodes(&fakeNode{rise: 1}, &fakeNode{}))
	s := r.newSampler()
	for range maxSamples {
		s.sample(t.Context())
	}
	a := samplesOf(s)["a"]
	if len(s.samples.T) != maxSamples/2 || len(a.Height) != maxSamples/2 || len(a.Tip) != maxSamples/2 || s.stride != 2 || s.samples.Interval != 2 {
		t.Fatalf("after %d samples: %d kept (a: %d heights), stride %d, interval %g s; want %d, 2, 2 s",
			maxSamples, len(s.samples.T), len(a.Height), s.stride, s.samples.Interval, maxSamples/2)
	}
	for i, h := range a.Height { // a's height is the count of /status it answered
		if h != uint64(2*i+1) {
			t.Fatalf("height %d at sample %d, want %d: not every other sample kept", h, i, 2*i+1)
		}
	}
}

// A failed run writes its report before the devnet is removed: the step
// that failed, the samples, every node.
func TestSamplerRunWritesReport(t *testing.T) {
	r, _, out := newTestRunner(t, "  - height: {node: all, min: 100, within: 1s}\n", twoNodes(&fakeNode{height: 1}, &fakeNode{height: 1}))
	r.Report = t.TempDir()
	if err := r.Run(t.Context()); err == nil {
		t.Fatal("the run passed")
	}
	raw, err := os.ReadFile(filepath.Join(r.Report, report.HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "Step 1 <b>height") {
		t.Errorf("the report does not name the failed step")
	}
	log := out.String()
	if i, j := strings.Index(log, "report in "), strings.Index(log, "removing devnet"); i < 0 || j < i {
		t.Errorf("the report should be written before the devnet is removed:\n%s", log)
	}
	var s report.Samples
	if raw, err = os.ReadFile(filepath.Join(r.Report, report.SamplesFile)); err == nil {
		err = json.Unmarshal(raw, &s)
	}
	if err != nil || len(s.Nodes) != 3 || len(s.T) == 0 || !s.Nodes[1].Up[len(s.T)-1] {
		t.Errorf("samples.json: %v, %d nodes, %d samples", err, len(s.Nodes), len(s.T))
	}
}

// fakeAPIsEnv makes this test binary serve fake control APIs for
// BenchmarkSampler.
const fakeAPIsEnv = "DEVNET_SAMPLER_FAKE_APIS"

// TestSamplerFakeAPIs is no test of its own: BenchmarkSampler runs it in a
// process of its own (so that serving is not counted as sampling), where
// it serves that many chaind-like control APIs (the /status and /metrics
// a real chain node gives, same sizes) and prints "name URL" for each
// until its stdin closes.
func TestSamplerFakeAPIs(t *testing.T) {
	var n int
	if _, err := fmt.Sscan(os.Getenv(fakeAPIsEnv), &n); err != nil {
		t.Skip("serves BenchmarkSampler's nodes")
	}
	for i := range n {
		name := fmt.Sprintf("peer-%d", i+1)
		id := "12D3KooW" + strings.Repeat(string(rune('A'+i%26)), 44)
		var height uint64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			switch req.URL.Path {
			case "/status":
				height++
				_ = json.NewEncoder(w).Encode(controlapi.Status{Role: "node", Height: height, Tip: fmt.Sprintf("%064x", height),
					Genesis: strings.Repeat("0", 64), PeerID: id, Addrs: []string{"/ip4/127.0.0.1/tcp/4001/p2p/" + id},
					Peers: 8, Connections: 9, MaxConnections: 12, ConnectedVia: "rendezvous", Mempool: 120, RSSBytes: 31e6,
					Links: &controlapi.Links{}})
			case "/metrics":
				for _, h := range []string{"block", "tx"} {
					fmt.Fprintf(w, "# HELP chaind_%s_fetch_seconds From first announcement to connected.\n# TYPE chaind_%s_fetch_seconds histogram\n", h, h)
					for b := 1; b <= 32768; b *= 2 {
						fmt.Fprintf(w, "chaind_%s_fetch_seconds_bucket{le=\"%g\"} %d\n", h, float64(b)/1000, b)
					}
					fmt.Fprintf(w, "chaind_%s_fetch_seconds_bucket{le=\"+Inf\"} 9\nchaind_%s_fetch_seconds_sum 0.5\nchaind_%s_fetch_seconds_count 9\n", h, h, h)
				}
				for _, m := range []string{"blocks_received_total", "gossip_lost_total", "height", "mempool_bytes", "mempool_txs", "peers", "rejects_total", "signature_verifications_total"} {
					fmt.Fprintf(w, "# HELP chaind_%s A figure.\n# TYPE chaind_%s counter\nchaind_%s %d\n", m, m, m, height)
				}
				fmt.Fprintf(w, "# HELP chaind_txs_received_total Transactions received from peers.\n# TYPE chaind_txs_received_total counter\nchaind_txs_received_total %d\n", 300*height)
			default:
				http.NotFound(w, req)
			}
		}))
		defer srv.Close()
		fmt.Printf("%s %s\n", name, srv.URL)
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// urlBackend is a backend whose nodes answer at given URLs.
type urlBackend struct {
	*fakeBackend
	urls map[string]string
}

func (b urlBackend) Endpoint(name string) (string, error) { return b.urls[name], nil }

// BenchmarkSampler samples 50 chain nodes (served by another process) as
// a run with a load step does, /status and /metrics each, and reports the
// CPU time of a sample as the share of a core sampling once a second
// costs.
func BenchmarkSampler(b *testing.B) {
	const nodes = 50
	cmd := exec.Command(os.Args[0], "-test.run=^TestSamplerFakeAPIs$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", fakeAPIsEnv, nodes))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	urls := map[string]string{}
	net := &spec.Network{Name: "bench"}
	lines := bufio.NewScanner(stdout)
	for len(urls) < nodes && lines.Scan() {
		name, url, _ := strings.Cut(lines.Text(), " ")
		urls[name] = url
		net.Nodes = append(net.Nodes, spec.Node{Name: name, Role: spec.RoleNode})
	}
	if len(urls) < nodes {
		b.Fatalf("the fake APIs' process gave %d URLs: %v", len(urls), lines.Err())
	}
	cfg := &scenario.Config{Name: "bench", Steps: []scenario.Step{{Kind: "load"}}}
	s := New(cfg, net, urlBackend{&fakeBackend{}, urls}, nil, io.Discard).newSampler()
	ctx := context.Background()
	s.sample(ctx) // connections made
	before, start := cpuTime(b), time.Now()
	b.ResetTimer()
	for range b.N {
		s.sample(ctx)
	}
	b.StopTimer()
	perSample := (cpuTime(b) - before) / time.Duration(b.N)
	b.ReportMetric(100*perSample.Seconds()/sampleEvery.Seconds(), "%core")
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/sample")
	for _, n := range s.samples.Nodes {
		if last := len(n.Up) - 1; !n.Up[last] || n.TxsReceived[last] == 0 {
			b.Fatalf("%s not read in the last sample", n.Name)
		}
	}
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
