package cli

import (
	"context"
	"crypto/rand"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	swarmrt "github.com/devchain/devchain/devnet/backend/swarm"
)

// swarmTestsEnv turns the swarm scenario tests on (`make e2e-swarm`): they
// take minutes and put the engine into swarm mode while they run.
const swarmTestsEnv = "DEVNET_SWARM_TESTS"

// swarmCreatedLabel marks a swarm these tests created, so one a crashed
// test left is recognisable (.ci/run's teardown leaves it).
const swarmCreatedLabel = "devchain.created"

// gwbridgeCreatedLabel on that swarm says its docker_gwbridge was not there
// before it, so the teardown of a crashed test removes that too.
const gwbridgeCreatedLabel = "devchain.gwbridge-created"

// gwbridge is the bridge network swarm mode creates on a node for its
// containers' traffic outside the overlay; leaving the swarm keeps it.
const gwbridge = "docker_gwbridge"

// needSwarm skips unless swarm tests are asked for and the engine is (or
// can be made, on loopback only) a one-node swarm manager. A swarm it
// creates is left when the test ends, with the docker_gwbridge network
// when that was not there before.
func needSwarm(t *testing.T) {
	t.Helper()
	if os.Getenv(swarmTestsEnv) != "1" {
		t.Skipf("swarm scenario tests run with %s=1 (make e2e-swarm)", swarmTestsEnv)
	}
	if swarmrt.Ping(t.Context()) == nil {
		return
	}
	c, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Skipf("no docker client: %v", err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	info, err := c.Info(ctx, client.InfoOptions{})
	if err != nil {
		t.Skipf("no docker engine answers: %v", err)
	}
	if info.Info.Swarm.LocalNodeState != swarm.LocalNodeStateInactive {
		t.Skipf("the engine is in a swarm it does not manage (%s): not touching it", info.Info.Swarm.LocalNodeState)
	}
	nets, err := c.NetworkList(ctx, client.NetworkListOptions{Filters: client.Filters{}.Add("name", gwbridge)})
	if err != nil {
		t.Skipf("listing networks: %v", err)
	}
	hadBridge := false
	for _, n := range nets.Items {
		hadBridge = hadBridge || n.Name == gwbridge
	}
	labels := map[string]string{swarmCreatedLabel: "1"}
	if !hadBridge {
		labels[gwbridgeCreatedLabel] = "1"
	}
	if _, err := c.SwarmInit(ctx, client.SwarmInitOptions{
		ListenAddr:    "127.0.0.1:2377",
		AdvertiseAddr: "127.0.0.1",
		Spec:          swarm.Spec{Annotations: swarm.Annotations{Labels: labels}},
	}); err != nil {
		t.Skipf("swarm mode cannot start here: %v", err)
	}
	t.Cleanup(func() {
		c, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
		if err != nil {
			t.Errorf("leaving the swarm: %v", err)
			return
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if _, err := c.SwarmLeave(ctx, client.SwarmLeaveOptions{Force: true}); err != nil {
			t.Errorf("leaving the swarm this test created: %v", err)
		}
		if !hadBridge {
			// The engine detaches the swarm's endpoints from it a moment
			// after leaving.
			var err error
			for range 20 {
				if _, err = c.NetworkRemove(ctx, gwbridge, client.NetworkRemoveOptions{}); err == nil {
					break
				}
				time.Sleep(500 * time.Millisecond)
			}
			if err != nil {
				t.Errorf("removing %s, which the swarm created: %v", gwbridge, err)
			}
		}
	})
	if err := swarmrt.Ping(ctx); err != nil {
		t.Fatalf("after creating a swarm: %v", err)
	}
}

// The scenarios of the docker e2e, on a one-node swarm: nodes stopped,
// restarted and killed (reconnect, faults), partitions through the gates.
func TestSwarmScenarios(t *testing.T) {
	needSwarm(t)
	for _, file := range []string{"reconnect", "partition", "faults"} {
		t.Run(file, func(t *testing.T) {
			name := "sw" + file[:4] + "-" + strings.ToLower(rand.Text()[:6])
			f := renamed(t, filepath.Join("..", "..", "configs", file+".yaml"), name)
			state := t.TempDir()
			t.Cleanup(func() { removeSwarmDevnet(t, state, name) })
			start := time.Now()
			mustRun(t, state, "swarm", f, filepath.Join(t.TempDir(), "art"))
			t.Logf("%s on swarm: %s", file, time.Since(start).Round(time.Second))
		})
	}
}

// renamed is a copy of a scenario under another devnet name, so its
// objects do not meet those of a docker run of the same file.
func renamed(t *testing.T, file, name string) string {
	t.Helper()
	body, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	top := regexp.MustCompile(`(?m)^name: .*$`)
	if !top.Match(body) {
		t.Fatalf("%s has no top-level name", file)
	}
	p := filepath.Join(t.TempDir(), filepath.Base(file))
	if err := os.WriteFile(p, top.ReplaceAll(body, []byte("name: "+name)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// removeSwarmDevnet removes a devnet through the backend itself, as
// onEveryRuntime does, and checks nothing labelled is left.
func removeSwarmDevnet(t *testing.T, state, name string) {
	be, err := swarmrt.New(swarmrt.Options{StateDir: filepath.Join(state, name)})
	if err != nil {
		t.Errorf("removing devnet %s: %v", name, err)
		return
	}
	defer be.Close()
	if err := be.Remove(context.Background(), name); err != nil {
		t.Errorf("removing devnet %s: %v", name, err)
	}
	left, err := be.Devnets(context.Background())
	if err != nil {
		t.Errorf("listing devnets: %v", err)
	}
	for _, n := range left {
		if n == name {
			t.Errorf("devnet %s left objects behind", name)
		}
	}
}

// A failed run and an interrupted run on swarm leave nothing labelled with
// their devnet, and no state, as on docker: devnet removes what it created
// on the way out, services, their agent, secrets, network and volumes.
func TestSwarmFailedAndInterruptedRunsLeaveNothing(t *testing.T) {
	needSwarm(t)
	t.Run("failed", func(t *testing.T) {
		name := "swfail-" + strings.ToLower(rand.Text()[:6])
		state := t.TempDir()
		t.Cleanup(func() { removeSwarmDevnet(t, state, name) })
		f := writeScenario(t, "name: "+name+"\nnodes:\n  - name: a\n    count: 2\nsteps:\n"+
			"  - height: {node: a, min: 100, within: 2s}\n")
		out, err := runDevnet(t, state, "run", "-f", f, "--runtime", "swarm", "--chaind", realChaind,
			"--artifacts", filepath.Join(t.TempDir(), "art"), "--no-report")
		if err == nil {
			t.Fatalf("a run whose assertion cannot hold passed:\n%s", out)
		}
		assertSwarmDevnetGone(t, state, name, out)
	})
	t.Run("interrupted", func(t *testing.T) {
		// The agent comes from DEVNET_AGENT, which TestMain set.
		bin := buildDevnet(t)
		name := "swint-" + strings.ToLower(rand.Text()[:6])
		state := t.TempDir()
		t.Cleanup(func() { removeSwarmDevnet(t, state, name) })
		f := writeScenario(t, "name: "+name+"\nnodes:\n  - name: a\n    count: 2\nsteps:\n  - sleep: 1h\n")
		cmd := exec.Command(bin, "--state-dir", state, "run", "-f", f, "--runtime", "swarm", "--chaind", realChaind,
			"--artifacts", filepath.Join(t.TempDir(), "art"), "--no-report")
		// The sleep step begins once every node runs.
		seen, stdout := startUntil(t, cmd, "sleep 1h")
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(stdout)
		if err := cmd.Wait(); err == nil {
			t.Error("an interrupted run exited 0")
		}
		assertSwarmDevnetGone(t, state, name, strings.Join(seen, "\n")+"\n"+string(rest))
	})
}

// assertSwarmDevnetGone fails unless no object on the engine is labelled
// with the devnet and its state folder is gone.
func assertSwarmDevnetGone(t *testing.T, state, name, out string) {
	t.Helper()
	be, err := swarmrt.New(swarmrt.Options{StateDir: filepath.Join(state, name)})
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	left, err := be.Devnets(t.Context())
	if err != nil {
		t.Fatalf("listing devnets: %v", err)
	}
	if slices.Contains(left, name) {
		t.Errorf("devnet %s left labelled objects on the engine; output:\n%s", name, out)
	}
	if _, err := os.Stat(filepath.Join(state, name)); !os.IsNotExist(err) {
		t.Errorf("state folder of devnet %s left: %v; output:\n%s", name, err, out)
	}
}
