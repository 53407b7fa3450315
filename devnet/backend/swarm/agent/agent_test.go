package agent

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/devchain/devchain/compose"
)

const (
	testDevnet = "dn"
	testToken  = "secret-token"
)

// fakeEngine holds containers and volumes by name and records what was
// done to them.
type fakeEngine struct {
	mu         sync.Mutex
	containers map[string]map[string]string // ID → labels
	paused     map[string]bool
	volumes    map[string]map[string]string // name → labels
	done       []string                     // "kill ID", "run VOLUME", …
}

func newFake() *fakeEngine {
	node := func(devnet, node string) map[string]string {
		return map[string]string{compose.LabelDevnet: devnet, compose.LabelNode: node, compose.LabelRole: "node"}
	}
	return &fakeEngine{
		containers: map[string]map[string]string{
			"mine":   node(testDevnet, "a"),
			"paused": node(testDevnet, "b"),
			"theirs": node("other", "a"),
			"plain":  {},
			"agent":  {compose.LabelDevnet: testDevnet, compose.LabelRole: Role},
		},
		paused: map[string]bool{"paused": true},
		volumes: map[string]map[string]string{
			compose.VolumeName(testDevnet, "a"): {compose.LabelDevnet: testDevnet, compose.LabelNode: "a"},
			compose.VolumeName(testDevnet, "x"): {compose.LabelDevnet: "other"},
		},
	}
}

func (f *fakeEngine) record(s string) {
	f.mu.Lock()
	f.done = append(f.done, s)
	f.mu.Unlock()
}

func (f *fakeEngine) actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.done...)
}

func (f *fakeEngine) Container(_ context.Context, id string) (map[string]string, bool, error) {
	l, ok := f.containers[id]
	if !ok {
		return nil, false, cerrdefs.ErrNotFound.WithMessage("no such container: " + id)
	}
	return l, f.paused[id], nil
}

func (f *fakeEngine) Kill(_ context.Context, id string) error  { f.record("kill " + id); return nil }
func (f *fakeEngine) Pause(_ context.Context, id string) error { f.record("pause " + id); return nil }
func (f *fakeEngine) Unpause(_ context.Context, id string) error {
	f.record("unpause " + id)
	return nil
}

func (f *fakeEngine) Exec(_ context.Context, id string, argv []string) (string, error) {
	f.record("exec " + id + " " + strings.Join(argv, " "))
	return "out of " + strings.Join(argv, " "), nil
}

func (f *fakeEngine) VolumeLabels(_ context.Context, name string) (map[string]string, error) {
	l, ok := f.volumes[name]
	if !ok {
		return nil, cerrdefs.ErrNotFound.WithMessage("no such volume: " + name)
	}
	return l, nil
}

func (f *fakeEngine) RunOnVolume(_ context.Context, image, devnet, node, volume string, _ map[string]string, argv []string) (string, error) {
	f.record("run " + volume + " " + strings.Join(argv, " "))
	return "offline " + strings.Join(argv, " "), nil
}

func (f *fakeEngine) RemoveVolumes(_ context.Context, devnet string) ([]string, error) {
	f.record("remove volumes of " + devnet)
	return []string{compose.VolumeName(devnet, "a")}, nil
}

// serve starts an agent of testDevnet on a fake engine.
func serve(t *testing.T) (*httptest.Server, *fakeEngine) {
	t.Helper()
	f := newFake()
	s := &Server{Devnet: testDevnet, Token: testToken, NodeImage: "img", Host: "testhost", Engine: f, Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, f
}

func addr(srv *httptest.Server) string { return strings.TrimPrefix(srv.URL, "http://") }

// post sends a raw body with a raw Authorization header.
func post(t *testing.T, srv *httptest.Server, path, auth, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRefusesWithoutTheToken(t *testing.T) {
	srv, f := serve(t)
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + testToken + "x", testToken} {
		code, body := post(t, srv, PathKill, auth, `{"container":"mine"}`)
		if code != http.StatusUnauthorized || !strings.Contains(body, "token") {
			t.Errorf("Authorization %q: got %d %s, want 401 naming the token", auth, code, body)
		}
	}
	if err := NewClient(addr(srv), "wrong").Ping(t.Context()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("ping with a wrong token: %v", err)
	}
	if got := f.actions(); len(got) != 0 {
		t.Errorf("unauthorised calls reached the engine: %v", got)
	}
}

func TestActsOnlyOnItsDevnetsNodes(t *testing.T) {
	srv, f := serve(t)
	c := NewClient(addr(srv), testToken)
	for _, id := range []string{"theirs", "plain", "agent"} {
		err := c.Kill(t.Context(), id)
		if err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "refused") ||
			!strings.Contains(err.Error(), "testhost") || !strings.Contains(err.Error(), id) {
			t.Errorf("kill of container %s: got %v, want a 403 naming it and the host", id, err)
		}
		if _, err := c.Exec(t.Context(), id, []string{"status"}); err == nil || !strings.Contains(err.Error(), "403") {
			t.Errorf("exec in container %s: got %v, want 403", id, err)
		}
	}
	for name, req := range map[string]RunOnVolumeRequest{
		"another devnet's volume": {Image: "img", Volume: compose.VolumeName("other", "a"), Node: "a",
			Labels: map[string]string{compose.LabelDevnet: testDevnet, compose.LabelNode: "a"}, Argv: []string{"x"}},
		"labels of another devnet": {Image: "img", Volume: compose.VolumeName(testDevnet, "a"), Node: "a",
			Labels: map[string]string{compose.LabelDevnet: "other", compose.LabelNode: "a"}, Argv: []string{"x"}},
		"a volume labelled for another devnet": {Image: "img", Volume: compose.VolumeName(testDevnet, "x"), Node: "x",
			Labels: map[string]string{compose.LabelDevnet: testDevnet, compose.LabelNode: "x"}, Argv: []string{"x"}},
		"another image than the devnet's": {Image: "busybox", Volume: compose.VolumeName(testDevnet, "a"), Node: "a",
			Labels: map[string]string{compose.LabelDevnet: testDevnet, compose.LabelNode: "a"}, Argv: []string{"x"}},
	} {
		if _, err := c.RunOnVolume(t.Context(), req); err == nil || !strings.Contains(err.Error(), "403") {
			t.Errorf("run on %s: got %v, want 403", name, err)
		}
	}
	if got := f.actions(); len(got) != 0 {
		t.Errorf("refused calls reached the engine: %v", got)
	}
	if err := c.Kill(t.Context(), "gone"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("kill of an unknown container: got %v, want 404", err)
	}
}

func TestRefusesAnOversizedBody(t *testing.T) {
	srv, f := serve(t)
	body := `{"container":"mine","argv":["` + strings.Repeat("a", MaxBody) + `"]}`
	code, resp := post(t, srv, PathExec, "Bearer "+testToken, body)
	if code != http.StatusRequestEntityTooLarge {
		t.Errorf("an oversized body: got %d %s, want 413", code, resp)
	}
	if code, resp := post(t, srv, PathKill, "Bearer "+testToken, `{"container":"mine","extra":1}`); code != http.StatusBadRequest {
		t.Errorf("an unknown field: got %d %s, want 400", code, resp)
	}
	if got := f.actions(); len(got) != 0 {
		t.Errorf("refused calls reached the engine: %v", got)
	}
}

func TestCallsReachTheEngine(t *testing.T) {
	srv, f := serve(t)
	c := NewClient(addr(srv), testToken)
	ctx := t.Context()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Kill(ctx, "mine"); err != nil {
		t.Fatal(err)
	}
	if err := c.Pause(ctx, "mine"); err != nil {
		t.Fatal(err)
	}
	if err := c.Unpause(ctx, "mine"); err != nil {
		t.Fatal(err)
	}
	out, err := c.Exec(ctx, "mine", []string{"status", "--datadir", "/data"})
	if err != nil || out != "out of status --datadir /data" {
		t.Fatalf("exec: %q, %v", out, err)
	}
	if _, err := c.Exec(ctx, "paused", []string{"status"}); err == nil || !strings.Contains(err.Error(), "paused") {
		t.Errorf("exec in a paused node: got %v, want it refused as paused", err)
	}
	out, err = c.RunOnVolume(ctx, RunOnVolumeRequest{Image: "img", Volume: compose.VolumeName(testDevnet, "a"), Node: "a",
		Labels: map[string]string{compose.LabelDevnet: testDevnet, compose.LabelNode: "a"}, Argv: []string{"keys"}})
	if err != nil || out != "offline keys" {
		t.Fatalf("run on volume: %q, %v", out, err)
	}
	// A node that never ran has no volume yet: it is created.
	if _, err := c.RunOnVolume(ctx, RunOnVolumeRequest{Image: "img", Volume: compose.VolumeName(testDevnet, "new"), Node: "new",
		Labels: map[string]string{compose.LabelDevnet: testDevnet, compose.LabelNode: "new"}, Argv: []string{"keys"}}); err != nil {
		t.Fatalf("run on a new volume: %v", err)
	}
	removed, err := c.RemoveVolumes(ctx)
	if err != nil || len(removed) != 1 {
		t.Fatalf("remove volumes: %v, %v", removed, err)
	}
	want := []string{"kill mine", "pause mine", "unpause mine", "exec mine status --datadir /data",
		"run " + compose.VolumeName(testDevnet, "a") + " keys", "run " + compose.VolumeName(testDevnet, "new") + " keys",
		"remove volumes of " + testDevnet}
	if got := f.actions(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("engine saw:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestUnreachableIsTold(t *testing.T) {
	srv, _ := serve(t)
	a := addr(srv)
	srv.Close()
	err := NewClient(a, testToken).Kill(t.Context(), "mine")
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("a call to a closed port: got %v, want ErrUnreachable", err)
	}
}
