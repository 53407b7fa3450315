package process

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/identity"
)

// Binaries the tests run: fakechaind (internal/fakechaind) always; the real
// chaind when it builds.
var fakeChaind, realChaind, realChaindErr string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "devnet-process-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fakeChaind = filepath.Join(dir, "fakechaind")
	if out, err := exec.Command("go", "build", "-o", fakeChaind, "../../../internal/fakechaind").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building fakechaind: %v\n%s", err, out)
		os.Exit(1)
	}
	realChaind = filepath.Join(dir, "chaind")
	if out, err := exec.Command("go", "build", "-o", realChaind, "../../../node/cmd/chaind").CombinedOutput(); err != nil {
		realChaind, realChaindErr = "", fmt.Sprintf("%v: %s", err, strings.TrimSpace(string(out)))
	} else if err := nodeCommandsExist(realChaind); err != nil {
		realChaind, realChaindErr = "", err.Error()
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binaries lists (name, path) of the chaind binaries to test with.
func binaries(t *testing.T) map[string]string {
	bins := map[string]string{"fake": fakeChaind}
	if realChaind != "" {
		bins["real"] = realChaind
	} else {
		t.Logf("real chaind does not build yet, testing with fakechaind only: %s", firstLine(realChaindErr))
	}
	return bins
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func testNetwork(t *testing.T, name string) *spec.Network {
	t.Helper()
	node := func(n string, role spec.Role) spec.Node {
		seed := name + "/" + n
		id, err := identity.PeerIDFromSeed(seed)
		if err != nil {
			t.Fatal(err)
		}
		return spec.Node{Name: n, Role: role, Rendezvous: "test-" + name, IdentitySeed: seed, PeerID: id.String(), Difficulty: 8}
	}
	boot := node("bootstrap", spec.RoleBootstrap)
	a := node("a", spec.RoleNode)
	b := node("b", spec.RoleNode)
	a.Bootstrap, b.Bootstrap = []string{"bootstrap"}, []string{"bootstrap"}
	return &spec.Network{
		Name:       name,
		NetworkKey: identity.EncodeNetworkKey(identity.NetworkKeyFromSeed(name)),
		Nodes:      []spec.Node{boot, a, b},
	}
}

// newRuntime sets a devnet up in a temp state dir and removes it (with every
// process) when the test ends, also on failure.
func newBackend(t *testing.T, chaind string, net *spec.Network) *Backend {
	t.Helper()
	rt, err := New(backend.Options{StateDir: filepath.Join(t.TempDir(), net.Name), Chaind: chaind})
	if err != nil {
		t.Fatal(err)
	}
	r := rt.(*Backend)
	t.Cleanup(func() {
		if err := r.Down(context.Background()); err != nil {
			t.Errorf("down: %v", err)
		}
	})
	if err := r.Setup(context.Background(), net); err != nil {
		t.Fatal(err)
	}
	return r
}

func answers(t *testing.T, r *Backend, name string) error {
	t.Helper()
	url, err := r.Endpoint(name)
	if err != nil {
		t.Fatal(err)
	}
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz: %s", resp.Status)
	}
	return nil
}

func pidOf(t *testing.T, r *Backend, name string) int {
	t.Helper()
	_, ns, err := r.lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return ns.PID
}

func TestLifecycle(t *testing.T) {
	for kind, chaind := range binaries(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			StopGrace = 5 * time.Second
			r := newBackend(t, chaind, testNetwork(t, "life-"+kind))
			for _, n := range []string{"bootstrap", "a"} {
				if err := r.Start(ctx, n); err != nil {
					t.Fatal(err)
				}
				if err := answers(t, r, n); err != nil {
					t.Fatalf("%s started but does not answer: %v", n, err)
				}
			}
			addrBefore, _ := r.Multiaddr("a")
			if !strings.HasPrefix(addrBefore, "/ip4/127.0.0.1/tcp/") || !strings.HasSuffix(addrBefore, r.net.Nodes[1].PeerID) {
				t.Errorf("multiaddr = %s", addrBefore)
			}

			// A second runtime on the same state dir is another devnet invocation.
			other, _ := New(backend.Options{StateDir: r.opts.StateDir})
			if err := other.(*Backend).Attach(ctx, r.net); err != nil {
				t.Fatal(err)
			}
			if !other.(*Backend).Running("a") || other.(*Backend).Running("b") {
				t.Error("attached runtime must see a running and b not started")
			}

			if err := r.Pause(ctx, "a"); err != nil {
				t.Fatal(err)
			}
			if err := answers(t, r, "a"); err == nil {
				t.Error("a paused node answered")
			}
			if err := r.Unpause(ctx, "a"); err != nil {
				t.Fatal(err)
			}
			if err := answers(t, r, "a"); err != nil {
				t.Errorf("unpaused node does not answer: %v", err)
			}

			pid := pidOf(t, r, "a")
			if err := other.Stop(ctx, "a"); err != nil { // stop from the other invocation
				t.Fatal(err)
			}
			if alive(pid, filepath.Join(r.opts.StateDir, "a")) {
				t.Fatal("stopped node still running")
			}
			if err := r.Start(ctx, "a"); err != nil {
				t.Fatal(err)
			}
			if addr, _ := r.Multiaddr("a"); addr != addrBefore {
				t.Errorf("restarted node moved from %s to %s", addrBefore, addr)
			}
			pid = pidOf(t, r, "a")
			if err := r.Kill(ctx, "a"); err != nil {
				t.Fatal(err)
			}
			if alive(pid, filepath.Join(r.opts.StateDir, "a")) {
				t.Fatal("killed node still running")
			}

			// Offline exec on a node that never ran.
			out, err := r.Exec(ctx, "b", "createwallet", "-alias", "w1")
			if err != nil || strings.TrimSpace(out) == "" {
				t.Fatalf("createwallet offline: %q, %v", out, err)
			}
			out, err = r.Exec(ctx, "b", "listaddresses")
			if err != nil || !strings.Contains(out, "w1") {
				t.Fatalf("listaddresses: %q, %v", out, err)
			}

			var logs bytes.Buffer
			if err := r.Logs(ctx, "bootstrap", false, &logs); err != nil || logs.Len() == 0 {
				t.Errorf("bootstrap log: %d bytes, %v", logs.Len(), err)
			}
			if _, err := r.Endpoint("nope"); err == nil || !strings.Contains(err.Error(), `no node "nope"`) {
				t.Errorf("unknown node: %v", err)
			}
		})
	}
}

func TestPartitionGatesTheOtherSide(t *testing.T) {
	ctx := context.Background()
	net := testNetwork(t, "gate")
	r := newBackend(t, fakeChaind, net)
	for _, n := range []string{"bootstrap", "a"} {
		if err := r.Start(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Partition(ctx, [][]string{{"a"}, {"b"}}); err != nil {
		t.Fatal(err)
	}
	// The gate carried the devnet's token, which the node was handed and
	// wants: without it the node refuses.
	st, err := os.Stat(filepath.Join(r.opts.StateDir, backend.TokenFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, %v; want mode 0600", st, err)
	}
	url, _ := r.Endpoint("a")
	_, err = controlapi.NewClient(url).Gate(ctx, nil)
	t.Logf("gate with the devnet's token: ok; without it: %v", err)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("tokenless gate: %v, want 401", err)
	}
	// b starts while the partition holds: it must get its gate at start.
	if err := r.Start(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := r.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	for node, deny := range map[string]string{"a": net.Nodes[2].PeerID, "b": net.Nodes[1].PeerID} {
		var logs bytes.Buffer
		if err := r.Logs(ctx, node, false, &logs); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), "gate deny="+deny+"\n") || !strings.Contains(logs.String(), "gate deny=\n") {
			t.Errorf("%s: want a gate denying %s, then a healed gate; log:\n%s", node, deny, logs.String())
		}
	}
}

func TestDownAfterCrashKillsLeftovers(t *testing.T) {
	ctx := context.Background()
	net := testNetwork(t, "crash")
	dir := filepath.Join(t.TempDir(), "crash")
	rt, _ := New(backend.Options{StateDir: dir, Chaind: fakeChaind})
	r := rt.(*Backend)
	if err := r.Setup(ctx, net); err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, n := range []string{"bootstrap", "a", "b"} {
		if err := r.Start(ctx, n); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pidOf(t, r, n))
	}
	// devnet "crashes": r is dropped. A new invocation knows only the state dir.
	later, _ := New(backend.Options{StateDir: dir})
	if err := later.Down(ctx); err != nil {
		t.Fatal(err)
	}
	for i, pid := range pids {
		if alive(pid, filepath.Join(dir, net.Nodes[i].Name)) {
			t.Errorf("pid %d (%s) survived down", pid, net.Nodes[i].Name)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("state dir left: %v", err)
	}
}

func TestStartReportsAnEarlyExit(t *testing.T) {
	r := newBackend(t, "/bin/false", testNetwork(t, "early"))
	err := r.Start(context.Background(), "bootstrap")
	if err == nil || !strings.Contains(err.Error(), "exited at start") {
		t.Fatalf("want an early-exit error, got %v", err)
	}
}

// nodeCommandsExist tells a chaind that can run a node from one still being
// built: both node commands must parse their flags.
func nodeCommandsExist(chaind string) error {
	for _, c := range []string{"startp2p", "bootstrap"} {
		if out, err := exec.Command(chaind, c, "--help").CombinedOutput(); err != nil {
			return fmt.Errorf("chaind has no working %s command yet: %v: %s", c, err, firstLine(string(out)))
		}
	}
	return nil
}

// The key file in the state dir is the one the nodes hold: Setup never
// swaps it for another key, and a node that needs a key never starts
// without one (chaind would take its public default key).
func TestNetworkKeyFileIsKept(t *testing.T) {
	ctx := context.Background()
	net := testNetwork(t, "keykept")
	r := newBackend(t, fakeChaind, net)
	path := filepath.Join(r.opts.StateDir, backend.NetworkKeyFile)
	if raw, err := os.ReadFile(path); err != nil || !bytes.Equal(raw, net.NetworkKey) {
		t.Fatalf("key file after Setup: %v, holds the devnet's key: %v", err, bytes.Equal(raw, net.NetworkKey))
	}
	if err := r.Setup(ctx, net); err != nil {
		t.Fatalf("Setup again with the same key: %v", err)
	}
	other := *net
	other.NetworkKey = backend.NewNetworkKey()
	if err := r.Setup(ctx, &other); err == nil || !strings.Contains(err.Error(), path+" holds another network key") {
		t.Fatalf("Setup with another key: %v, want a refusal naming %s", err, path)
	}
	if raw, _ := os.ReadFile(path); !bytes.Equal(raw, net.NetworkKey) {
		t.Error("Setup with another key replaced the key file")
	}

	keyless := testNetwork(t, "keyless")
	keyless.NetworkKey = nil
	k := newBackend(t, fakeChaind, keyless)
	if err := k.Start(ctx, "bootstrap"); err == nil || !strings.Contains(err.Error(), "node bootstrap has no network seed and no key file") {
		t.Fatalf("Start without a key: %v", err)
	}
}
