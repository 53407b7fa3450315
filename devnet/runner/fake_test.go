package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/node/controlapi"
)

// fakeNode is a node's control API with a chain the test controls.
type fakeNode struct {
	mu      sync.Mutex
	role    string
	height  uint64
	rise    uint64 // added to height on every /status (mining)
	peers   int
	via     string
	chain   string // block hashes are chain+"-"+height at and above forkAt
	forkAt  uint64
	log     string
	wallets map[string]uint64
}

func (n *fakeNode) tip() string { return n.hashAt(n.height) }

func (n *fakeNode) hashAt(h uint64) string {
	if h >= n.forkAt && n.forkAt > 0 {
		return fmt.Sprintf("%s-%d", n.chain, h)
	}
	return fmt.Sprintf("common-%d", h)
}

func (n *fakeNode) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	n.mu.Lock()
	defer n.mu.Unlock()
	reply := func(v any) { _ = json.NewEncoder(w).Encode(v) }
	switch {
	case req.URL.Path == "/healthz":
		reply(map[string]bool{"ok": true})
	case req.URL.Path == "/status":
		n.height += n.rise
		reply(controlapi.Status{Role: n.role, Height: n.height, Tip: n.tip(), Peers: n.peers, ConnectedVia: n.via})
	case strings.HasPrefix(req.URL.Path, "/blocks/height/"):
		h, _ := strconv.ParseUint(strings.TrimPrefix(req.URL.Path, "/blocks/height/"), 10, 64)
		reply(map[string]any{"hash": n.hashAt(h), "height": h})
	case strings.HasPrefix(req.URL.Path, "/balance/"):
		addr := strings.TrimPrefix(req.URL.Path, "/balance/")
		reply(map[string]any{"address": addr, "balance": n.wallets[addr]})
	case req.URL.Path == "/mint":
		var in struct{ Blocks uint64 }
		_ = json.NewDecoder(req.Body).Decode(&in)
		n.height += in.Blocks
		reply(map[string]any{"height": n.height})
	default:
		w.WriteHeader(http.StatusNotFound)
		reply(map[string]string{"error": "no route " + req.URL.Path})
	}
}

// fakeBackend runs fakeNodes behind httptest servers and records calls.
type fakeBackend struct {
	t     *testing.T
	mu    sync.Mutex
	nodes map[string]*fakeNode
	srv   map[string]*httptest.Server
	calls []string
	key   []byte // the network key the last Setup was given
}

func newFakeBackend(t *testing.T, nodes map[string]*fakeNode) *fakeBackend {
	f := &fakeBackend{t: t, nodes: nodes, srv: map[string]*httptest.Server{}}
	for name, n := range nodes {
		s := httptest.NewServer(n)
		t.Cleanup(s.Close)
		f.srv[name] = s
	}
	return f
}

func (f *fakeBackend) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeBackend) called(call string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c == call {
			return true
		}
	}
	return false
}

func (f *fakeBackend) Name() string { return "fake" }
func (f *fakeBackend) Setup(ctx context.Context, net *spec.Network) error {
	f.record("setup")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.key = net.NetworkKey
	return nil
}
func (f *fakeBackend) Attach(ctx context.Context, net *spec.Network) error {
	f.record("attach")
	return nil
}
func (f *fakeBackend) Close() error { return nil }
func (f *fakeBackend) Start(ctx context.Context, name string) error {
	f.record("start %s", name)
	return nil
}
func (f *fakeBackend) Stop(ctx context.Context, name string) error {
	f.record("stop %s", name)
	return nil
}
func (f *fakeBackend) Kill(ctx context.Context, name string) error {
	f.record("kill %s", name)
	return nil
}
func (f *fakeBackend) Pause(ctx context.Context, name string) error {
	f.record("pause %s", name)
	return nil
}
func (f *fakeBackend) Unpause(ctx context.Context, name string) error {
	f.record("unpause %s", name)
	return nil
}
func (f *fakeBackend) Exec(ctx context.Context, name string, args ...string) (string, error) {
	f.record("exec %s %s", name, strings.Join(args, " "))
	return "", nil
}
func (f *fakeBackend) Endpoint(name string) (string, error) {
	s, ok := f.srv[name]
	if !ok {
		return "", fmt.Errorf("no node %q", name)
	}
	return s.URL, nil
}
func (f *fakeBackend) Multiaddr(name string) (string, error) {
	return "/ip4/127.0.0.1/tcp/1/p2p/x", nil
}
func (f *fakeBackend) Logs(ctx context.Context, name string, follow bool, w io.Writer) error {
	n := f.nodes[name]
	n.mu.Lock()
	defer n.mu.Unlock()
	_, err := io.WriteString(w, n.log)
	return err
}
func (f *fakeBackend) Partition(ctx context.Context, sides [][]string) error {
	f.record("partition %v", sides)
	return nil
}
func (f *fakeBackend) Heal(ctx context.Context) error {
	f.record("heal")
	return nil
}
func (f *fakeBackend) Down(ctx context.Context) error {
	f.record("down")
	return nil
}
