package liveview

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/node/controlapi"
)

// fakeNode answers /status and /peers from fields the test sets.
type fakeNode struct {
	mu     sync.Mutex
	status controlapi.Status
	peers  []string // peer IDs
	down   bool
}

func (f *fakeNode) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	switch r.URL.Path {
	case "/status":
		_ = json.NewEncoder(w).Encode(f.status)
	case "/peers":
		var rep controlapi.PeersReply
		for _, p := range f.peers {
			rep.Peers = append(rep.Peers, controlapi.Peer{PeerID: p})
		}
		_ = json.NewEncoder(w).Encode(rep)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeNode) set(fn func(f *fakeNode)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// fakeBackend gives the fake nodes' endpoints and a long log; the other
// Backend methods are not called by the live view.
type fakeBackend struct {
	backend.Backend
	endpoints map[string]string
}

func (b *fakeBackend) Endpoint(name string) (string, error) {
	e, ok := b.endpoints[name]
	if !ok {
		return "", fmt.Errorf("no node %q", name)
	}
	return e, nil
}

func (b *fakeBackend) Logs(_ context.Context, name string, _ bool, w io.Writer) error {
	for i := range 1000 {
		fmt.Fprintf(w, "%s line %d\n", name, i)
	}
	return nil
}

// fakeControl records what the page asked for.
type fakeControl struct {
	mu    sync.Mutex
	calls []string
}

func (c *fakeControl) record(s string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, s)
	return nil
}

func (c *fakeControl) Control(_ context.Context, kind string, nodes []string) error {
	return c.record(kind + " " + strings.Join(nodes, ","))
}
func (c *fakeControl) Partition(_ context.Context, sides [][]string) error {
	return c.record(fmt.Sprint("partition ", sides))
}
func (c *fakeControl) Heal(context.Context) error { return c.record("heal") }

// fakeDevnet is a bootstrap and two chain nodes, all answering.
func fakeDevnet(t *testing.T) (*spec.Network, *fakeBackend, map[string]*fakeNode) {
	net := &spec.Network{Name: "fake", Nodes: []spec.Node{
		{Name: "bootstrap", Role: spec.RoleBootstrap, PeerID: "P0"},
		{Name: "a", Role: spec.RoleNode, PeerID: "P1"},
		{Name: "b", Role: spec.RoleNode, PeerID: "P2"},
	}}
	be := &fakeBackend{endpoints: map[string]string{}}
	nodes := map[string]*fakeNode{}
	for _, n := range net.Nodes {
		f := &fakeNode{status: controlapi.Status{Role: string(n.Role), PeerID: n.PeerID, Height: 3, Tip: "t3"}}
		srv := httptest.NewServer(f)
		t.Cleanup(srv.Close)
		be.endpoints[n.Name], nodes[n.Name] = srv.URL, f
	}
	nodes["bootstrap"].peers = []string{"P1", "P2"}
	nodes["a"].peers = []string{"P2", "Pstranger"}
	nodes["b"].peers = []string{"P1"}
	return net, be, nodes
}

// serve runs s on a loopback port until the test ends; it returns the base URL.
func serve(t *testing.T, s *Server) string {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// snapshots reads the event stream at base, handing each snapshot to until
// while it returns false.
func snapshots(t *testing.T, base string, within time.Duration, until func(*Snapshot) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("event stream Content-Type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var s Snapshot
		if err := json.Unmarshal([]byte(data), &s); err != nil {
			t.Fatalf("snapshot: %v\n%s", err, data)
		}
		if until(&s) {
			return
		}
	}
	t.Fatalf("the condition did not hold within %s: %v", within, sc.Err())
}

func nodeOf(s *Snapshot, name string) NodeView {
	for _, n := range s.Nodes {
		if n.Name == name {
			return n
		}
	}
	return NodeView{}
}

// The snapshot maps peer IDs to names, shows a node that stops answering
// as down, derives the timeline, and says when the devnet is gone.
func TestLiveViewSnapshots(t *testing.T) {
	net, be, nodes := fakeDevnet(t)
	var goneMu sync.Mutex
	var gone error
	out, err := os.CreateTemp(t.TempDir(), "out") // an *os.File takes writes from any goroutine
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	s, err := New(Options{Net: net, Backend: be, Poll: 50 * time.Millisecond, Out: out,
		Gone: func() error { goneMu.Lock(); defer goneMu.Unlock(); return gone }})
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, s)
	snapshots(t, base, 5*time.Second, func(s *Snapshot) bool {
		a := nodeOf(s, "a")
		return len(s.Nodes) == 3 && a.State == "running" && strings.Join(a.Peers, " ") == "Pstranger b" &&
			strings.Join(nodeOf(s, "bootstrap").Peers, " ") == "a b" && len(s.Actions) == 0
	})
	nodes["b"].set(func(f *fakeNode) { f.down = true })
	nodes["a"].set(func(f *fakeNode) { f.status.Tip = "t3bis"; f.peers = []string{"Pstranger"} })
	snapshots(t, base, 5*time.Second, func(s *Snapshot) bool {
		var kinds []string
		for _, e := range s.Events {
			kinds = append(kinds, e.Kind+": "+e.Text)
		}
		all := strings.Join(kinds, "\n")
		return nodeOf(s, "b").State == "down" && strings.Contains(all, "down: b is down") &&
			strings.Contains(all, "reorg: a reorganised: height 3 → 3, tip t3 replaced by t3bis") &&
			strings.Contains(all, "peer: a lost b") && strings.Contains(all+"\n", "down: b is down: down\n")
	})
	goneMu.Lock()
	gone = errors.New("record removed")
	goneMu.Unlock()
	snapshots(t, base, 5*time.Second, func(s *Snapshot) bool {
		return s.Gone == "devnet fake is gone: record removed" && nodeOf(s, "a").State == "down"
	})
	if got, _ := os.ReadFile(out.Name()); strings.Count(string(got), "devnet fake is gone") != 1 {
		t.Errorf("the terminal should hear once that the devnet is gone, got %q", got)
	}
	resp, err := http.Get(base + "/")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the page after the devnet went: %v %v", resp, err)
	}
	resp.Body.Close()
}

func do(t *testing.T, method, url string, header map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct{ Error string }
	if json.Unmarshal(b, &e) == nil && e.Error != "" {
		return resp.StatusCode, e.Error
	}
	return resp.StatusCode, string(b)
}

// The control route wants the token, the page's own Origin, an IP or
// localhost Host and a well-formed request; without a Controller it does
// not exist.
func TestLiveViewControlChecks(t *testing.T) {
	net, be, _ := fakeDevnet(t)
	ctl := &fakeControl{}
	s, err := New(Options{Net: net, Backend: be, Control: ctl})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.token) != 2*tokenBytes {
		t.Fatalf("token %q", s.token)
	}
	base := serve(t, s)
	port := base[strings.LastIndexByte(base, ':')+1:]
	good := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + s.token, "Origin": base}
	with := func(k, v string) map[string]string {
		h := map[string]string{}
		for a, b := range good {
			h[a] = b
		}
		if v == "" {
			delete(h, k)
		} else {
			h[k] = v
		}
		return h
	}
	for _, c := range []struct {
		header map[string]string
		body   string
		code   int
		want   string
	}{
		{with("Authorization", ""), `{"action":"stop","nodes":["a"]}`, 403, "missing or wrong token"},
		{with("Authorization", "Bearer "+strings.Repeat("0", 32)), `{"action":"stop","nodes":["a"]}`, 403, "wrong token"},
		{with("Origin", "http://evil.example"), `{"action":"stop","nodes":["a"]}`, 403, `origin "http://evil.example" refused`},
		{with("Host", "evil.example:"+port), `{"action":"stop","nodes":["a"]}`, 403, "host"},
		{with("Content-Type", "text/plain"), `{"action":"stop","nodes":["a"]}`, 415, "application/json"},
		{good, `{"action":"stop","nodes":["ghost"]}`, 400, `no node "ghost"`},
		{good, `{"action":"stop","nodes":["a","a"]}`, 400, "named twice"},
		{good, `{"action":"explode","nodes":["a"]}`, 400, `action "explode"`},
		{good, `{"action":"stop","nodes":["a"],"x":1}`, 400, "unknown field"},
		{good, `{"action":"heal"} {}`, 400, "one JSON value"},
		{good, `{"action":"partition","sides":[["a"],[]]}`, 400, "side 2 is empty"},
		{good, `{"action":"` + strings.Repeat("x", maxControlBody) + `"}`, 400, "too large"},
		{good, `{"action":"stop","nodes":["a","b"]}`, 200, "ok"},
		{with("Origin", ""), `{"action":"partition","sides":[["a"],["b"]]}`, 200, "ok"},
		{map[string]string{"Host": "localhost:" + port, "Origin": "http://localhost:" + port, "Content-Type": "application/json", "Authorization": "Bearer " + s.token},
			`{"action":"heal"}`, 200, "ok"},
	} {
		code, body := do(t, http.MethodPost, base+"/api/control", c.header, c.body)
		if code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("%v %s: %d %s, want %d with %q", c.header, c.body, code, body, c.code, c.want)
		}
	}
	if got := strings.Join(ctl.calls, "; "); got != "stop a,b; partition [[a] [b]]; heal" {
		t.Errorf("controller calls: %s", got)
	}
	for _, h := range []string{"rebind.example.com", "evil.localhost:" + port} {
		if code, _ := do(t, http.MethodGet, base+"/", map[string]string{"Host": h}, ""); code != 403 {
			t.Errorf("the page under the name %s: %d, want 403", h, code)
		}
	}
	code, body := do(t, http.MethodGet, base+"/api/nodes/a", nil, "")
	var d NodeDetail
	if err := json.Unmarshal([]byte(body), &d); code != 200 || err != nil || d.Status == nil || d.Status.Tip != "t3" ||
		len(d.Log) != logLines || d.Log[logLines-1] != "a line 999" {
		t.Errorf("node detail: %d %v %+v", code, err, d)
	}
	if code, body := do(t, http.MethodGet, base+"/api/nodes/ghost", nil, ""); code != 404 || !strings.Contains(body, `no node "ghost"`) {
		t.Errorf("detail of an unknown node: %d %s", code, body)
	}

	ro, err := New(Options{Net: net, Backend: be})
	if err != nil {
		t.Fatal(err)
	}
	roBase := serve(t, ro)
	if code, _ := do(t, http.MethodPost, roBase+"/api/control", map[string]string{"Content-Type": "application/json"}, `{"action":"heal"}`); code != 404 {
		t.Errorf("control route without a Controller: %d, want 404", code)
	}
	ln, err := Listen(strings.TrimPrefix(roBase, "http://"))
	if err == nil || !strings.Contains(err.Error(), "listen on "+strings.TrimPrefix(roBase, "http://")) {
		t.Errorf("a port in use: %v", err)
		if ln != nil {
			ln.Close()
		}
	}
}

func TestLiveViewTailWriterKeepsTheEnd(t *testing.T) {
	tw := &tailWriter{max: 3, lineMax: 5}
	if l := tw.lines(); l == nil || len(l) != 0 {
		t.Errorf("an empty log is %#v, want an empty list (JSON [], not null)", l)
	}
	fmt.Fprint(tw, "one\ntwo\nthree\nfour-is-long\nfi")
	fmt.Fprint(tw, "ve\nsix")
	if got := strings.Join(tw.lines(), "|"); got != "four-|five|six" {
		t.Errorf("tail = %q", got)
	}
}

func TestLiveViewTimelineIsBounded(t *testing.T) {
	var tl timeline
	prev := map[string]NodeView{"a": {Name: "a", State: "running", Height: 1, Tip: "x"}}
	for i := range maxEvents + 10 {
		cur := []NodeView{{Name: "a", State: "running", Height: uint64(i + 2), Tip: fmt.Sprint(i)}}
		tl.diff(time.Now(), prev, cur, nil, nil)
		prev = map[string]NodeView{"a": cur[0]}
	}
	ev := tl.list()
	if len(ev) != maxEvents || ev[len(ev)-1].Kind != "tip" || !strings.HasPrefix(ev[len(ev)-1].Text, fmt.Sprintf("tip %d at height %d on a", maxEvents+9, maxEvents+11)) {
		t.Errorf("%d events, last %+v", len(ev), ev[len(ev)-1])
	}
	tl.diff(time.Now(), prev, []NodeView{{Name: "a", State: "running", Height: 5, Tip: "y"}}, nil, nil)
	tl.diff(time.Now(), map[string]NodeView{"a": {Name: "a", State: "running", Height: 5, Tip: "y"}},
		[]NodeView{{Name: "a", State: "running", Height: 6, Tip: "z"}}, map[string]bool{"a": true}, nil)
	ev = tl.list()
	if ev[len(ev)-2].Kind != "reorg" || ev[len(ev)-1].Kind != "reorg" {
		t.Errorf("a lower height and a replaced tip are reorgs: %+v", ev[len(ev)-2:])
	}
	// A node whose own event log tells its reorgs gets none derived.
	tl.diff(time.Now(), map[string]NodeView{"a": {Name: "a", State: "running", Height: 6, Tip: "z"}},
		[]NodeView{{Name: "a", State: "running", Height: 4, Tip: "w"}}, nil, map[string]bool{"a": true})
	if ev = tl.list(); ev[len(ev)-1].Kind != "tip" || ev[len(ev)-2].Kind != "reorg" {
		t.Errorf("a node telling its own reorgs: derived %+v", ev[len(ev)-1])
	}
}

// A node's own events become timeline entries (a reorg with its depth, a
// ban with its reason; the rest only wake the poller), and wake the
// poller once however many arrive.
func TestLiveViewFeedTakesNodeEvents(t *testing.T) {
	f := newFeeds()
	f.take("peer-2", []controlapi.Event{
		{Kind: controlapi.EventMined, Height: 7},
		{Kind: controlapi.EventReorg, Depth: 3, Height: 9, Tip: "abcdef0123456789"},
		{Kind: controlapi.EventBan, Peer: "12D3KooWxyz0123456", Detail: "other genesis"},
	})
	f.take("peer-3", []controlapi.Event{{Kind: controlapi.EventMined, Height: 8}})
	got, _ := f.drain()
	if len(got) != 2 || got[0].Kind != "reorg" || got[0].Text != "peer-2 reorganised 3 blocks deep, to abcdef012345 at height 9" ||
		got[1].Kind != "ban" || !strings.Contains(got[1].Text, "other genesis") {
		t.Fatalf("timeline entries %+v", got)
	}
	select {
	case <-f.kick:
	default:
		t.Fatal("the poller was not woken")
	}
	select {
	case <-f.kick:
		t.Fatal("woken twice for one wait")
	default:
	}
}
