package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func buildDevnet(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "devnet")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/devnet").CombinedOutput(); err != nil {
		t.Fatalf("building devnet: %v\n%s", err, out)
	}
	return bin
}

// SIGINT in the middle of `devnet run` must leave no process and no state.
func TestInterruptedRunLeavesNothing(t *testing.T) {
	bin := buildDevnet(t)
	state := t.TempDir()
	f := writeScenario(t, "name: sigint\nnodes:\n  - name: a\n  - name: b\nsteps:\n  - sleep: 1h\n")
	cmd := exec.Command(bin, "--state-dir", state, "run", "-f", f, "--runtime", "process", "--chaind", fakeChaind,
		"--artifacts", filepath.Join(t.TempDir(), "art"))
	// Wait for the sleep step: every node is up by then.
	seen, stdout := startUntil(t, cmd, "sleep 1h")
	pids := pidsUnder(t, state, "sigint")
	if len(pids) != 3 {
		t.Fatalf("want 3 node processes before SIGINT, got %v; output:\n%s", pids, strings.Join(seen, "\n"))
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stdout)
	if err := cmd.Wait(); err == nil {
		t.Error("an interrupted run exited 0")
	}
	for _, pid := range pids {
		if running(pid) {
			t.Errorf("node pid %d survived the interrupted run\n%s", pid, rest)
		}
	}
	if _, err := os.Stat(filepath.Join(state, "sigint")); !os.IsNotExist(err) {
		t.Errorf("state dir left after SIGINT: %v\n%s", err, rest)
	}
}

// startUntil starts cmd, its stdout and stderr piped together, and returns
// once a line contains marker: the lines up to it, and the rest of the
// output to read. The process is killed when the test ends.
func startUntil(t *testing.T, cmd *exec.Cmd, marker string) ([]string, io.Reader) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := bufio.NewScanner(stdout)
	var seen []string
	for lines.Scan() {
		seen = append(seen, lines.Text())
		if strings.Contains(lines.Text(), marker) {
			return seen, stdout
		}
	}
	t.Fatalf("output ended without %q (%v):\n%s", marker, lines.Err(), strings.Join(seen, "\n"))
	return nil, nil
}

// running tells whether pid is a live process. A zombie is not: it has
// exited, and once devnet is gone reaping it is up to whatever adopted it.
func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !os.IsNotExist(err)
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

// pidsUnder reads the node PIDs the process runtime recorded.
func pidsUnder(t *testing.T, state, devnet string) []int {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(state, devnet, "process.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Nodes map[string]struct {
			PID int `json:"pid"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, n := range st.Nodes {
		if n.PID > 0 {
			pids = append(pids, n.PID)
		}
	}
	return pids
}

// SIGINT while `devnet up` waits for nodes that never answer tears them down.
func TestInterruptedUpLeavesNothing(t *testing.T) {
	bin := buildDevnet(t)
	state := t.TempDir()
	f := writeScenario(t, "name: uphang\nnodes:\n  - name: a\n")
	cmd := exec.Command(bin, "--state-dir", state, "--log-level", "debug", "up", "-f", f, "--runtime", "process", "--chaind", fakeChaind)
	cmd.Env = append(os.Environ(), "FAKECHAIND_HANG=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	// The debug log names each node as it starts; the bootstrap then hangs.
	lines := bufio.NewScanner(stderr)
	for lines.Scan() && !strings.Contains(lines.Text(), "msg=started") {
	}
	pids := pidsUnder(t, state, "uphang")
	if len(pids) != 1 {
		t.Fatalf("want the hanging bootstrap's pid, got %v", pids)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stderr)
	if err := cmd.Wait(); err == nil {
		t.Error("an interrupted up exited 0")
	}
	if running(pids[0]) {
		t.Errorf("node pid %d survived the interrupted up\n%s", pids[0], rest)
	}
	if _, err := os.Stat(filepath.Join(state, "uphang")); !os.IsNotExist(err) {
		t.Errorf("state dir left after SIGINT: %v\n%s", err, rest)
	}
}
