package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/backend/process"
	swarmrt "github.com/devchain/devchain/devnet/backend/swarm"
)

// Binaries the tests run: fakechaind (internal/fakechaind, chaind's
// stand-in, for the orchestration alone) and the real chaind; both static,
// so the docker runtime can put them in an image.
var fakeChaind, realChaind string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "devnet-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fakeChaind = filepath.Join(dir, "fakechaind")
	realChaind = filepath.Join(dir, "chaind")
	builds := map[string]string{fakeChaind: "../../internal/fakechaind", realChaind: "../../node/cmd/chaind"}
	// devnet runs in-process here, so no devnet-agent is next to the
	// running executable: the swarm tests get the agent of this tree.
	if os.Getenv(swarmTestsEnv) == "1" && os.Getenv(swarmrt.AgentEnv) == "" {
		agent := filepath.Join(dir, "devnet-agent")
		builds[agent] = "../backend/swarm/cmd/agent"
		os.Setenv(swarmrt.AgentEnv, agent)
	}
	for bin, pkg := range builds {
		build := exec.Command("go", "build", "-o", bin, pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n%s", pkg, err, out)
			os.Exit(1)
		}
	}
	// Tests never ask a real engine: auto-selection must pick process.
	all := providers
	providers = func() []backend.Provider {
		ps := all()
		for i := range ps {
			if ps[i].Name != process.Provider.Name {
				ps[i].Available = func(context.Context) error { return errors.New("no engine in tests") }
			}
		}
		return ps
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runDevnet runs one devnet command in-process with its state under stateDir.
func runDevnet(t testing.TB, stateDir string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd := NewRootCommand(&out, &out)
	cmd.SetArgs(append([]string{"--state-dir", stateDir}, args...))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// mustRun is `devnet run` of file on runtime with the real chaind,
// artefacts into art (and any more flags); a failed run fails the test
// with its output and step log. It returns the output.
func mustRun(t *testing.T, state, runtime, file, art string, flags ...string) string {
	t.Helper()
	args := append([]string{"run", "-f", file, "--runtime", runtime, "--chaind", realChaind, "--artifacts", art}, flags...)
	out, err := runDevnet(t, state, args...)
	if err != nil {
		steps, _ := os.ReadFile(filepath.Join(art, "steps.log"))
		t.Fatalf("run of %s failed: %v\n%s\nsteps (artefacts in %s):\n%s", file, err, out, art, steps)
	}
	return out
}

func writeScenario(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMalformedScenarioStartsNothing(t *testing.T) {
	state := t.TempDir()
	f := writeScenario(t, "name: bad\nnodes:\n  - name: a\nsteps:\n  - stop: ghost\n")
	_, err := runDevnet(t, state, "run", "-f", f, "--chaind", fakeChaind)
	if err == nil || !strings.Contains(err.Error(), "s.yaml:5: step \"stop\": unknown node or group \"ghost\"") {
		t.Fatalf("want file:line error, got %v", err)
	}
	if entries, _ := os.ReadDir(state); len(entries) != 0 {
		t.Errorf("a malformed scenario left state behind: %v", entries)
	}
}

func TestUnknownRuntimeStartsNothing(t *testing.T) {
	state := t.TempDir()
	f := writeScenario(t, "name: vm\nruntime: vm\nnodes:\n  - name: a\n")
	_, err := runDevnet(t, state, "up", "-f", f, "--chaind", fakeChaind)
	if err == nil || !strings.Contains(err.Error(), "s.yaml:1: runtime \"vm\": want docker or process") {
		t.Fatalf("want file:line error naming the runtimes, got %v", err)
	}
	_, err = runDevnet(t, state, "up", "-f", f, "--chaind", fakeChaind, "--runtime", "vm2")
	if err == nil || !strings.Contains(err.Error(), "--runtime: runtime \"vm2\"") {
		t.Fatalf("want the flag named, got %v", err)
	}
	if entries, _ := os.ReadDir(state); len(entries) != 0 {
		t.Errorf("an unknown runtime left state behind: %v", entries)
	}
}

func TestUpStatusExecLogsDown(t *testing.T) {
	state := t.TempDir()
	f := writeScenario(t, "name: clitest\nnodes:\n  - name: a\n    wallets: [w1]\n  - name: b\n")
	t.Cleanup(func() { _, _ = runDevnet(t, state, "down", "--all") })
	out, err := runDevnet(t, state, "up", "-f", f, "--runtime", "process", "--chaind", fakeChaind)
	if err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	if !strings.Contains(out, "NAME") || !strings.Contains(out, "bootstrap") || !strings.Contains(out, "/ip4/127.0.0.1/tcp/") {
		t.Errorf("up printed no node table:\n%s", out)
	}

	out, err = runDevnet(t, state, "status", "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var infos []NodeInfo
	if err := json.Unmarshal([]byte(out), &infos); err != nil {
		t.Fatalf("status json: %v\n%s", err, out)
	}
	if len(infos) != 3 || infos[1].Name != "a" || infos[1].PeerID == "" || infos[1].Peers != 1 || infos[1].Error != "" {
		t.Errorf("status = %+v", infos)
	}

	out, err = runDevnet(t, state, "exec", "a", "--", "chaind", "listaddresses")
	if err != nil || !strings.Contains(out, "w1 ") {
		t.Errorf("exec listaddresses: %q %v (the setup wallet should be listed)", out, err)
	}
	out, err = runDevnet(t, state, "logs", "b")
	if err != nil || !strings.HasPrefix(out, "b | fakechaind startp2p") {
		t.Errorf("logs b: %q %v", out, err)
	}
	if _, err := runDevnet(t, state, "logs", "ghost"); err == nil || !strings.Contains(err.Error(), `no node "ghost"`) {
		t.Errorf("logs of an unknown node: %v", err)
	}

	out, err = runDevnet(t, state, "down", "clitest")
	if err != nil || !strings.Contains(out, "devnet clitest removed") {
		t.Fatalf("down: %q %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(state, "clitest")); !os.IsNotExist(err) {
		t.Errorf("state left after down: %v", err)
	}
	if _, err := runDevnet(t, state, "status"); err == nil {
		t.Error("status found a removed devnet")
	}
}

// A scenario's nodes derive the network key from its seed: the compose file
// stands alone, with nothing to mount and no key file beside it to lose.
func TestComposeStandsAlone(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "docker-compose.yml")
	if _, err := runDevnet(t, t.TempDir(), "compose", "-f", "../../configs/default.yaml", "-o", out); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(raw), "devchain-default-peer-2") || !strings.Contains(string(raw), "--network-seed, default") {
		t.Errorf("compose output lacks the nodes or their seed: %v\n%s", err, raw)
	}
	if strings.Contains(string(raw), "network.key") {
		t.Errorf("compose output mounts a key file:\n%s", raw)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("compose wrote more than the compose file: %v", entries)
	}
}

// The tutorial's demo end to end on real chaind processes.
func TestReconnectScenarioOnRealChaind(t *testing.T) {
	state := t.TempDir()
	junit := filepath.Join(t.TempDir(), "junit.xml")
	art := filepath.Join(t.TempDir(), "artefacts")
	t.Cleanup(func() { _, _ = runDevnet(t, state, "down", "--all") })
	mustRun(t, state, "process", "../../configs/reconnect.yaml", art, "--junit", junit)
	raw, err := os.ReadFile(junit)
	if err != nil || !strings.Contains(string(raw), `failures="0"`) {
		t.Errorf("junit: %v\n%s", err, raw)
	}
}

func TestPingFailsWithoutEngine(t *testing.T) {
	out, err := runDevnet(t, t.TempDir(), "ping")
	if err == nil || !strings.Contains(err.Error(), "runtime not available: no engine in tests") {
		t.Fatalf("ping without an engine: err %v, out %q", err, out)
	}
	out, err = runDevnet(t, t.TempDir(), "ping", process.Provider.Name)
	if err != nil || out != "process runtime available\n" {
		t.Fatalf("ping process: err %v, out %q", err, out)
	}
	if _, err := runDevnet(t, t.TempDir(), "ping", "vm"); err == nil || !strings.Contains(err.Error(), `runtime "vm": want`) {
		t.Fatalf("ping of an unknown runtime: %v", err)
	}
}
