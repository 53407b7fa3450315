package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devchain/devchain/internal/testutil"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/identity"
	"github.com/devchain/devchain/node/p2p"
)

// lockedBuffer is a bytes.Buffer safe to read while a command writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testutil.WaitFor(t, 15*time.Second, what, cond)
}

// background runs a long chaind command until the test ends it.
func background(t *testing.T, env map[string]string, args ...string) (out *lockedBuffer, stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	out = &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, args, out, &lockedBuffer{}, func(k string) string { return env[k] }) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { stop() })
	return out, stop
}

// While startp2p runs, the data-dir commands go through its control API.
func TestCommandsThroughRunningNode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "node")
	env := map[string]string{"CHAIND_DIFFICULTY": "8"}
	mustRun(t, env, "createwallet", "-alias", "w1", "--datadir", dir)
	_, stop := background(t, env, "startp2p", "-rendezvous", "cli-test", "--listen-host", "127.0.0.1", "-port", "0", "-secio", "--datadir", dir)
	waitUntil(t, "the node's rpc.addr to answer", func() bool { return controlapi.RunningNode(dir) != "" })

	w2 := strings.TrimSpace(mustRun(t, env, "createwallet", "-alias", "w2", "--datadir", dir))
	if list := mustRun(t, env, "listaddresses", "--datadir", dir); !strings.Contains(list, "w2 "+w2) {
		t.Fatalf("listaddresses through RPC lacks w2: %q", list)
	}
	if out := mustRun(t, env, "mint", "-minter", "w1", "-blocks", "2", "--datadir", dir); strings.Count(out, "mined block") != 2 || !strings.Contains(out, "mined block 2 ") {
		t.Fatalf("mint through RPC printed %q", out)
	}
	if b := balanceOf(t, env, dir, "w1"); b != "100" {
		t.Fatalf("w1 balance %s, want 100", b)
	}
	if out := mustRun(t, env, "send", "-from", "w1", "-to", "w2", "-amount", "30", "-mint", "--datadir", dir); !strings.Contains(out, "Success! tx") || !strings.Contains(out, "in block 3") {
		t.Fatalf("send -mint through RPC printed %q", out)
	}
	if b := balanceOf(t, env, dir, "w2"); b != "30" {
		t.Fatalf("w2 balance %s, want 30", b)
	}
	if out := mustRun(t, env, "send", "-from", "w2", "-to", "w1", "-amount", "5", "--datadir", dir); !strings.Contains(out, "mempool") {
		t.Fatalf("send through RPC printed %q", out)
	}
	if out := mustRun(t, env, "printchain", "--datadir", dir); strings.Count(out, "============ Block") != 4 || !strings.Contains(out, "Input 0: ") {
		t.Fatalf("printchain through RPC printed %q", out)
	}
	if _, err := run(t, env, "reindexutxo", "--datadir", dir); !errors.Is(err, ErrNodeRunning) {
		t.Fatalf("reindexutxo with a running node: %v", err)
	}
	mustRun(t, env, "healthcheck", "--datadir", dir)

	if err := stop(); err != nil {
		t.Fatalf("node exit: %v", err)
	}
	if addr, _ := controlapi.ReadAddrFile(dir); addr != "" {
		t.Fatalf("rpc.addr left behind: %s", addr)
	}
	if _, err := run(t, env, "healthcheck", "--datadir", dir); err == nil {
		t.Fatal("healthcheck passed with no node running")
	}
	if b := balanceOf(t, env, dir, "w1"); b != "120" { // offline again: 150 mined - 30 sent
		t.Fatalf("w1 balance offline %s, want 120", b)
	}
}

func TestBootstrapPrintsAddrs(t *testing.T) {
	dir := t.TempDir()
	out, stop := background(t, nil, "bootstrap", "-port", "0", "--listen-host", "127.0.0.1", "-key", filepath.Join(dir, "b.key"), "-rpc", "127.0.0.1:0", "--datadir", dir)
	waitUntil(t, "the bootstrap to print its address", func() bool { return strings.Contains(out.String(), "/p2p/") })
	line := strings.SplitN(out.String(), "\n", 2)[0]
	if !strings.HasPrefix(line, "/ip4/127.0.0.1/tcp/") {
		t.Fatalf("first address %q, want a loopback /ip4/.../tcp/.../p2p/ID", line)
	}
	s, err := controlapi.NewClient(controlapi.RunningNode(dir)).Status(context.Background())
	if err != nil || s.Role != "bootstrap" {
		t.Fatalf("bootstrap status %+v, %v", s, err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestPortFromNodeID(t *testing.T) {
	for id, want := range map[string]int{"3000": 3000, "": 0, "a": 0, "70000": 0} {
		if got := portFromNodeID(id); got != want {
			t.Errorf("portFromNodeID(%q) = %d, want %d", id, got, want)
		}
	}
	if got := splitList([]string{"a,b", " c "}); strings.Join(got, "|") != "a|b|c" {
		t.Errorf("splitList = %v", got)
	}
}

// --network-seed S gives the key devnet derives from a scenario's
// network.seed S: a bootstrap and a node started with the seed and a node
// given devnet's key file for it find each other; a host with another
// seed's key cannot connect to any of them; and the seed together with a
// key file is refused, naming both flags.
func TestNetworkSeed(t *testing.T) {
	env := map[string]string{"CHAIND_DIFFICULTY": "8"}
	tmp := t.TempDir()
	keyFile := filepath.Join(tmp, "network.key")
	if err := os.WriteFile(keyFile, identity.EncodeNetworkKey(identity.NetworkKeyFromSeed("seed-1")), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{
		{"startp2p", "--datadir", filepath.Join(tmp, "x")},
		{"bootstrap", "-key", filepath.Join(tmp, "x.key")},
	} {
		_, err := run(t, env, append(cmd, "--network-key", keyFile, "--network-seed", "seed-1")...)
		if err == nil || !strings.Contains(err.Error(), "--network-key") || !strings.Contains(err.Error(), "--network-seed") {
			t.Fatalf("%s with both --network-key and --network-seed: %v, want an error naming both", cmd[0], err)
		}
	}

	out, _ := background(t, env, "bootstrap", "-port", "0", "--listen-host", "127.0.0.1", "-key", filepath.Join(tmp, "boot.key"), "--network-seed", "seed-1")
	waitUntil(t, "the bootstrap to print its address", func() bool { return strings.Contains(out.String(), "\n") })
	boot := strings.SplitN(out.String(), "\n", 2)[0]
	node := func(name string, keyFlags ...string) string {
		dir := filepath.Join(tmp, name)
		args := append([]string{"startp2p", "-rendezvous", "seed-test", "--listen-host", "127.0.0.1", "-port", "0", "-bootstrap", boot, "--datadir", dir}, keyFlags...)
		background(t, env, args...)
		waitUntil(t, name+"'s rpc.addr to answer", func() bool { return controlapi.RunningNode(dir) != "" })
		return dir
	}
	a := node("a", "--network-seed", "seed-1")
	node("b", "--network-key", keyFile)
	status := func() controlapi.Status {
		s, err := controlapi.NewClient(controlapi.RunningNode(a)).Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	waitUntil(t, "a and b to find each other", func() bool { return status().Peers == 1 })

	for _, target := range []string{boot, status().Addrs[0]} {
		if err := dialWithSeed(t, "seed-1", target, 10*time.Second); err != nil {
			t.Fatalf("host with the same seed dialling %s: %v", target, err)
		}
		// A handshake with the wrong key may fail at once or stall until
		// the deadline; either way no connection opens.
		if err := dialWithSeed(t, "seed-2", target, time.Second); err == nil {
			t.Fatalf("host with another seed connected to %s", target)
		}
	}
}

// dialWithSeed connects a bare host holding the network key of seed to a
// full multiaddr.
func dialWithSeed(t *testing.T, seed, addr string, timeout time.Duration) error {
	t.Helper()
	key, err := identity.FromSeed("dialer-" + seed)
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := p2p.NewHost(p2p.HostConfig{Key: key, NetworkKey: identity.NetworkKeyFromSeed(seed), ListenHost: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	infos, err := p2p.ParseAddrs([]string{addr})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return h.Connect(ctx, infos[0])
}
