package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/node/identity"
)

// testRepo keeps test images apart from the real devchain/chaind:latest.
const testRepo = "devchain/chaind-test"

func TestAvailableWithoutEngine(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "no-engine.sock"))
	if Available(t.Context()) {
		t.Fatal("Available reports an engine on a socket that does not exist")
	}
	if err := Ping(t.Context()); err == nil || !strings.Contains(err.Error(), "no engine answers") {
		t.Fatalf("Ping error = %v", err)
	}
}

// needEngine skips the test when no Docker engine answers.
func needEngine(t *testing.T) {
	t.Helper()
	if err := Ping(t.Context()); err != nil {
		t.Skipf("docker: no engine answers: %v", err)
	}
}

// built holds the static binaries the tests build once per run.
var built struct {
	mu    sync.Mutex
	dir   string
	paths map[string]string
}

// buildStatic builds the package at pkg (relative to this package) as a
// static binary, once per test run.
func buildStatic(t *testing.T, pkg string) string {
	t.Helper()
	built.mu.Lock()
	defer built.mu.Unlock()
	if p, ok := built.paths[pkg]; ok {
		return p
	}
	if built.dir == "" {
		dir, err := os.MkdirTemp("", "devchain-docker-test-")
		if err != nil {
			t.Fatal(err)
		}
		built.dir, built.paths = dir, map[string]string{}
	}
	path := filepath.Join(built.dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", path, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	built.paths[pkg] = path
	return path
}

// fakeChaind takes chaind's command lines (internal/fakechaind).
func fakeChaind(t *testing.T) string { return buildStatic(t, "../../../internal/fakechaind") }

// netcutHelper is the partition helper (cmd/netcut).
func netcutHelper(t *testing.T) string { return buildStatic(t, "./cmd/netcut") }

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// testNetwork is a bootstrap and two nodes, with a unique devnet name.
func testNetwork(t *testing.T, nodes ...string) *spec.Network {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	name := "test-" + hex.EncodeToString(b)
	net := &spec.Network{Name: name, NetworkKey: identity.EncodeNetworkKey(identity.NetworkKeyFromSeed(name))}
	add := func(node string, role spec.Role) {
		n := spec.Node{Name: node, Role: role, Rendezvous: name, IdentitySeed: name + "/" + node, Difficulty: 8}
		if role == spec.RoleNode {
			n.Bootstrap = []string{"bootstrap"}
		}
		net.Nodes = append(net.Nodes, n)
	}
	add("bootstrap", spec.RoleBootstrap)
	for _, n := range nodes {
		add(n, spec.RoleNode)
	}
	return net
}

// upDevnet sets up net with the fakechaind image and removes it all at the end,
// checking that nothing labelled with its name is left.
func upDevnet(t *testing.T, net *spec.Network) *Backend {
	t.Helper()
	r, err := New(Options{Chaind: fakeChaind(t), Repo: testRepo, Netcut: netcutHelper(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), time.Minute)
		defer cancel()
		if err := r.Down(ctx); err != nil {
			t.Errorf("Down: %v", err)
		}
		assertGone(t, r.cli, net.Name)
		r.Close()
	})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if err := r.Setup(ctx, net); err != nil {
		t.Fatal(err)
	}
	return r
}

// assertGone fails if any container, network or volume carries the devnet's label.
func assertGone(t *testing.T, c *client.Client, devnet string) {
	t.Helper()
	ctx := context.WithoutCancel(t.Context())
	f := LabelFilter(compose.LabelDevnet, devnet)
	cs, err := c.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil || len(cs.Items) > 0 {
		t.Errorf("containers left for %s: %d (%v)", devnet, len(cs.Items), err)
	}
	ns, err := c.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil || len(ns.Items) > 0 {
		t.Errorf("networks left for %s: %d (%v)", devnet, len(ns.Items), err)
	}
	vs, err := c.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil || len(vs.Items) > 0 {
		t.Errorf("volumes left for %s: %d (%v)", devnet, len(vs.Items), err)
	}
}

// waitHealthy polls the node's /healthz from the host until it answers.
func waitHealthy(t *testing.T, r *Backend, node string) {
	t.Helper()
	url, err := r.Endpoint(node)
	if err != nil {
		t.Fatal(err)
	}
	hc := http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := hc.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s: %s/healthz does not answer: %v", node, url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func exec1(t *testing.T, r *Backend, node string, args ...string) string {
	t.Helper()
	out, err := r.Exec(t.Context(), node, args...)
	if err != nil {
		t.Fatalf("exec %v on %s: %v", args, node, err)
	}
	return out
}

func p2pAddr(t *testing.T, r *Backend, node string) string {
	t.Helper()
	s, err := r.service(node)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s:%d", s.IP, compose.P2PPort)
}

func TestAttachNeedsAnExistingDevnet(t *testing.T) {
	needEngine(t)
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	net := testNetwork(t, "a")
	if err := r.Attach(t.Context(), net); err == nil || !strings.Contains(err.Error(), "is not up") {
		t.Fatalf("Attach to a devnet never set up: err = %v", err)
	}
	assertGone(t, r.cli, net.Name)
}

func TestCheckStatic(t *testing.T) {
	if err := checkStatic([]byte("#!/bin/sh\necho hi\n")); err == nil || !strings.Contains(err.Error(), "not an ELF") {
		t.Errorf("script: err = %v", err)
	}
	if ls, err := os.ReadFile("/bin/ls"); err == nil { // dynamically linked on every common distribution
		if err := checkStatic(ls); err == nil || !strings.Contains(err.Error(), "dynamically linked") {
			t.Errorf("/bin/ls: err = %v", err)
		}
	}
	bin, err := os.ReadFile(fakeChaind(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := checkStatic(bin); err != nil {
		t.Errorf("static fakechaind refused: %v", err)
	}
}

func TestImageReusedWhenUnchanged(t *testing.T) {
	needEngine(t)
	ctx := t.Context()
	first, err := BuildImage(ctx, fakeChaind(t), testRepo, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := newClient()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, err := c.ImageInspect(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	second, err := BuildImage(ctx, fakeChaind(t), testRepo, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.ImageInspect(ctx, testRepo+":latest")
	if err != nil {
		t.Fatal(err)
	}
	if first != second || a.ID != b.ID {
		t.Fatalf("unchanged binary rebuilt: %s (%s) then %s (latest %s)", first, a.ID, second, b.ID)
	}
	if a.Size > 30<<20 {
		t.Errorf("image %s is %d bytes, over 30 MB", first, a.Size)
	}
}

// TestImagePrunesEarlierBuilds builds two binaries into a repository no
// other test uses (another package's test may run containers of testRepo).
func TestImagePrunesEarlierBuilds(t *testing.T) {
	needEngine(t)
	ctx := t.Context()
	const repo = "devchain/chaind-prunetest"
	c, err := newClient()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t.Cleanup(func() {
		res, err := c.ImageList(context.WithoutCancel(ctx), client.ImageListOptions{Filters: client.Filters{}.Add("reference", repo)})
		if err != nil {
			return
		}
		for _, img := range res.Items {
			_, _ = c.ImageRemove(context.WithoutCancel(ctx), img.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		}
	})
	first, err := BuildImage(ctx, fakeChaind(t), repo, nil)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "chaind")
	bin, err := os.ReadFile(fakeChaind(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, append(bin, 0), 0o755); err != nil { // still a valid ELF
		t.Fatal(err)
	}
	second, err := BuildImage(ctx, other, repo, nil)
	if err != nil {
		t.Fatal(err)
	}
	if second == first {
		t.Fatalf("changed binary kept the tag %s", first)
	}
	if _, err := c.ImageInspect(ctx, first); err == nil {
		t.Errorf("earlier build %s not pruned", first)
	}
	if _, err := c.ImageInspect(ctx, repo+":latest"); err != nil {
		t.Errorf("latest lost: %v", err)
	}
}

func TestDevnetLifecycle(t *testing.T) {
	needEngine(t)
	net := testNetwork(t, "a", "b", "c")
	r := upDevnet(t, net)
	ctx := t.Context()
	for _, n := range net.Nodes {
		if err := r.Start(ctx, n.Name); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range net.Nodes {
		waitHealthy(t, r, n.Name)
	}

	t.Run("args and key", func(t *testing.T) {
		if got := exec1(t, r, "a", "cat", compose.KeyPath); got != string(net.NetworkKey) {
			t.Errorf("network key in container = %q, want %q", got, net.NetworkKey)
		}
		boot, err := r.Multiaddr("bootstrap")
		if err != nil {
			t.Fatal(err)
		}
		var logs strings.Builder
		if err := r.Logs(ctx, "a", false, &logs); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"--network-key " + compose.KeyPath, "-bootstrap " + boot, "--identity-seed " + net.Name + "/a", "fakechaind: starting"} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("log of a lacks %q:\n%s", want, logs.String())
			}
		}
	})

	t.Run("dial inside the network", func(t *testing.T) {
		if out := exec1(t, r, "a", "dial", p2pAddr(t, r, "b")); strings.TrimSpace(out) != "ok" {
			t.Errorf("dial a->b: %q", out)
		}
	})

	t.Run("stop and start keep the volume", func(t *testing.T) {
		exec1(t, r, "a", "write", "marker", "kept")
		if err := r.Stop(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		// Offline: a one-off container on the volume.
		if got := exec1(t, r, "a", "read", "marker"); got != "kept" {
			t.Errorf("offline read = %q, want kept", got)
		}
		if err := r.Start(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, r, "a")
		if err := r.Start(ctx, "a"); err != nil { // `devnet up` again: running nodes stay as they are
			t.Fatalf("Start of a running node: %v", err)
		}
		if got := exec1(t, r, "a", "read", "starts"); got != "start\nstart\n" {
			t.Errorf("starts file = %q, want two starts on one volume", got)
		}
		if _, err := r.Exec(ctx, "a", "read", "no-such-file"); err == nil || !strings.Contains(err.Error(), "no-such-file") {
			t.Errorf("failing exec: err = %v, want the command's stderr", err)
		}
	})

	t.Run("partition cuts and heal restores", func(t *testing.T) {
		aAddr, bAddr := p2pAddr(t, r, "a"), p2pAddr(t, r, "b")
		reach := func(from, to string) bool {
			_, err := r.Exec(ctx, from, "dial", to)
			return err == nil
		}
		if err := r.Partition(ctx, [][]string{{"bootstrap", "a"}, {"b"}}); err != nil {
			t.Fatal(err)
		}
		if reach("a", bAddr) || reach("b", aAddr) {
			t.Error("a and b reach each other across the partition")
		}
		if !reach("a", p2pAddr(t, r, "bootstrap")) {
			t.Error("a cannot reach bootstrap on its own side")
		}
		if !reach("c", aAddr) || !reach("c", bAddr) {
			t.Error("c, in no side, does not reach both sides")
		}
		waitHealthy(t, r, "b") // the host still reaches every node
		// A node restarted during the partition is cut again.
		if err := r.Stop(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, r, "b")
		if reach("b", aAddr) {
			t.Error("b reaches a after a restart during the partition")
		}
		// Another devnet process heals it, from the engine's state.
		r2, err := New(Options{Netcut: netcutHelper(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer r2.Close()
		if err := r2.Attach(ctx, net); err != nil {
			t.Fatal(err)
		}
		if err := r2.Heal(ctx); err != nil {
			t.Fatal(err)
		}
		if err := r.Heal(ctx); err != nil { // nothing left to heal: a no-op
			t.Fatal(err)
		}
		if !reach("a", bAddr) || !reach("b", aAddr) {
			t.Error("a and b do not reach each other after heal")
		}
	})

	t.Run("pause and kill", func(t *testing.T) {
		if err := r.Pause(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Exec(ctx, "b", "read", "starts"); err == nil || !strings.Contains(err.Error(), "paused") {
			t.Errorf("exec on a paused node: err = %v", err)
		}
		if err := r.Unpause(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		if err := r.Kill(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		// Kill returns once stopped, so the command runs offline at once.
		// b started twice: once up, once in the partition test.
		if got := exec1(t, r, "b", "read", "starts"); got != "start\nstart\n" {
			t.Errorf("offline read after kill = %q", got)
		}
		if err := r.Stop(ctx, "nope"); err == nil || !strings.Contains(err.Error(), `no node "nope"`) {
			t.Errorf("unknown node: err = %v", err)
		}
	})

	t.Run("another network key replaces a stopped container", func(t *testing.T) {
		id := func() string {
			t.Helper()
			res, err := r.cli.ContainerInspect(ctx, compose.ContainerName(net.Name, "c"), client.ContainerInspectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return res.Container.ID
		}
		restart := func() {
			t.Helper()
			if err := r.Stop(ctx, "c"); err != nil {
				t.Fatal(err)
			}
			if err := r.Start(ctx, "c"); err != nil {
				t.Fatal(err)
			}
		}
		first := id()
		restart()
		if id() != first {
			t.Fatal("a restart with the same secrets replaced the container")
		}
		// As after `devnet down` lost the state dir while a container stayed.
		newKey := backend.NewNetworkKey()
		r.mu.Lock()
		r.net.NetworkKey = newKey
		r.mu.Unlock()
		restart()
		if id() == first {
			t.Error("the container holding the old key was started again")
		}
		if got := exec1(t, r, "c", "cat", compose.KeyPath); got != string(newKey) {
			t.Errorf("network key in the new container = %q, want the new key", got)
		}
		if got := exec1(t, r, "c", "read", "starts"); got != "start\nstart\nstart\n" {
			t.Errorf("starts file = %q, want three starts on the kept volume", got)
		}
	})

	t.Run("remove from labels alone", func(t *testing.T) {
		fresh, err := New(Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer fresh.Close()
		names, err := fresh.Devnets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(names, net.Name) {
			t.Errorf("Devnets = %v, lacks %s", names, net.Name)
		}
		if err := fresh.Remove(ctx, net.Name); err != nil {
			t.Fatal(err)
		}
		assertGone(t, fresh.cli, net.Name)
	})
}
