package wallet_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/devchain/devchain/internal/testutil"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/wallet"
)

var (
	chaindOnce sync.Once
	chaindPath string
	chaindErr  error
)

// chaind builds the real chaind once for the tests of this file: the
// writers they race are separate processes, as users run them.
func chaind(t *testing.T) string {
	t.Helper()
	chaindOnce.Do(func() {
		dir, err := os.MkdirTemp("", "wallet-chaind")
		if err != nil {
			chaindErr = err
			return
		}
		chaindPath = filepath.Join(dir, "chaind")
		cmd := exec.Command("go", "build", "-o", chaindPath, "../cmd/chaind")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			chaindErr = fmt.Errorf("build chaind: %v\n%s", err, out)
		}
	})
	if chaindErr != nil {
		t.Fatal(chaindErr)
	}
	return chaindPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if chaindPath != "" {
		os.RemoveAll(filepath.Dir(chaindPath))
	}
	os.Exit(code)
}

func chaindCmd(t *testing.T, args ...string) *exec.Cmd {
	cmd := exec.Command(chaind(t), args...)
	cmd.Env = append(os.Environ(), "CHAIND_DIFFICULTY=8")
	return cmd
}

// keysIn reads the wallet file as a fresh process would.
func keysIn(t *testing.T, dir string) map[string]string {
	t.Helper()
	w, err := wallet.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range w.List() {
		out[e.Address] = e.Alias
	}
	return out
}

// Concurrent offline createwallet processes on one data dir: every address
// printed must be a key in the file. Each process used to write the keys it
// had read at start plus its own, so the last writers dropped the others'
// private keys (20 printed, 10 kept).
func TestConcurrentCreateWalletProcesses(t *testing.T) {
	const n = 20
	dir := t.TempDir()
	w, err := wallet.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	pre, err := w.Create("before")
	if err != nil {
		t.Fatal(err)
	}
	cmds := make([]*exec.Cmd, n)
	outs := make([]strings.Builder, n)
	errs := make([]strings.Builder, n)
	for i := range cmds {
		cmds[i] = chaindCmd(t, "createwallet", "-alias", fmt.Sprintf("c%d", i), "--datadir", dir)
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], &errs[i]
	}
	for i, c := range cmds {
		if err := c.Start(); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	printed := map[string]string{pre.Address(): "before"}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("createwallet %d: %v: %s", i, err, errs[i].String())
		}
		printed[strings.TrimSpace(outs[i].String())] = fmt.Sprintf("c%d", i)
	}
	got := keysIn(t, dir)
	t.Logf("%d concurrent createwallet processes printed %d addresses; wallet.dat holds %d keys (1 before + %d = %d wanted)",
		n, len(printed)-1, len(got), n, n+1)
	for addr, alias := range printed {
		if got[addr] != alias {
			t.Errorf("address %s (%s) printed but not in wallet.dat: its private key is lost", addr, alias)
		}
	}
	if len(got) != n+1 {
		t.Fatalf("wallet.dat holds %d keys, want %d", len(got), n+1)
	}
}

// A createwallet run while the node on the data dir is paused cannot reach
// its API and writes the file itself; the node's next POST /wallets used to
// rewrite the file from the node's memory, dropping that key.
func TestCreateWalletWhileNodePaused(t *testing.T) {
	dir := t.TempDir()
	mustOut := func(cmd *exec.Cmd) string {
		t.Helper()
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%v: %v", cmd.Args, err)
		}
		return strings.TrimSpace(string(out))
	}
	first := mustOut(chaindCmd(t, "createwallet", "-alias", "first", "--datadir", dir))

	node := chaindCmd(t, "startp2p", "-rendezvous", "wallet-test", "--listen-host", "127.0.0.1", "-port", "0", "-secio", "--datadir", dir)
	var log strings.Builder
	node.Stdout, node.Stderr = &log, &log
	if err := node.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- node.Wait() }()
	t.Cleanup(func() {
		node.Process.Signal(syscall.SIGCONT)
		node.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			node.Process.Kill()
			<-exited
		}
	})
	var addr string
	testutil.WaitFor(t, 30*time.Second, "the node's API", func() bool {
		addr = controlapi.RunningNode(dir)
		return addr != ""
	})

	if err := node.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	offline := mustOut(chaindCmd(t, "createwallet", "-alias", "offline", "--datadir", dir))
	if err := node.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	token, err := controlapi.ReadCookie(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := controlapi.NewClient(addr).WithToken(token)
	online, err := c.CreateWallet(ctx, "online")
	if err != nil {
		t.Fatalf("POST /wallets: %v\nnode log:\n%s", err, log.String())
	}
	got := keysIn(t, dir)
	listed, err := c.Wallets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("keys: 1 before the node, 1 offline while it was paused, 1 by its POST /wallets; wallet.dat holds %d, the node lists %d (3 wanted)",
		len(got), len(listed))
	for alias, a := range map[string]string{"first": first, "offline": offline, "online": online.Address} {
		if got[a] != alias {
			t.Errorf("wallet.dat lacks %s (%s)", alias, a)
		}
	}
	if len(got) != 3 || len(listed) != 3 {
		t.Fatalf("wallet.dat holds %d keys and the node lists %d, want 3 and 3", len(got), len(listed))
	}
}
