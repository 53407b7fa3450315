package cli

import (
	"context"
	"crypto/rand"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
	swarmrt "github.com/devchain/devchain/devnet/backend/swarm"
	"github.com/devchain/devchain/devnet/backend/swarm/agent"
	"github.com/devchain/devchain/devnet/scenario"
)

// The agent on a one-node swarm: an offline command on a stopped node's
// volume and a kill go through it, and it refuses a container of another
// devnet.
func TestSwarmAgent(t *testing.T) {
	needSwarm(t)
	name := "swagent-" + strings.ToLower(rand.Text()[:6])
	state := t.TempDir()
	t.Cleanup(func() { removeSwarmDevnet(t, state, name) })
	f := writeScenario(t, "name: "+name+"\nnetwork:\n  seed: agent-test\nnodes:\n  - name: a\n    count: 2\n")
	cfg, err := scenario.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	nw, err := cfg.Spec()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	be, err := swarmrt.New(swarmrt.Options{Chaind: realChaind, StateDir: filepath.Join(state, name)})
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	if err := be.Setup(ctx, nw); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a-1", "a-2"} {
		if err := be.Start(ctx, n); err != nil {
			t.Fatal(err)
		}
	}

	// Offline: a wallet made on the stopped node's volume is there.
	if err := be.Stop(ctx, "a-2"); err != nil {
		t.Fatal(err)
	}
	if out, err := be.Exec(ctx, "a-2", "createwallet", "-alias", "offline"); err != nil {
		t.Fatalf("offline createwallet on a-2: %v\n%s", err, out)
	}
	out, err := be.Exec(ctx, "a-2", "listaddresses")
	if err != nil || !strings.Contains(out, "offline") {
		t.Fatalf("offline listaddresses on a-2: %v\n%s", err, out)
	}

	// Online: an exec in the running node, then a kill.
	if out, err := be.Exec(ctx, "a-1", "listaddresses"); err != nil {
		t.Fatalf("exec on running a-1: %v\n%s", err, out)
	}
	if err := be.Kill(ctx, "a-1"); err != nil {
		t.Fatalf("kill a-1: %v", err)
	}
	if out, err := be.Exec(ctx, "a-1", "listaddresses"); err != nil {
		t.Fatalf("offline exec on killed a-1: %v\n%s", err, out)
	}

	// The agent refuses a container labelled with another devnet.
	c, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	other := name + "-other"
	created, err := c.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{Image: compose.LatestImage,
			Labels: map[string]string{compose.LabelDevnet: other, compose.LabelNode: "a-1", compose.LabelRole: "node"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := c.ContainerRemove(context.Background(), created.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
			t.Errorf("removing the other devnet's container: %v", err)
		}
	})
	ag := agent.NewClient(agentAddr(ctx, t, c, name), be.RPCToken())
	if err := ag.Kill(ctx, created.ID); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("kill of devnet %s's container through devnet %s's agent: got %v, want 403", other, name, err)
	}
	if _, err := ag.Exec(ctx, created.ID, []string{"listaddresses"}); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("exec in devnet %s's container through devnet %s's agent: got %v, want 403", other, name, err)
	}
}

// agentAddr is 127.0.0.1:port of the devnet's agent on this engine: the
// IPv4 binding of its task container's port.
func agentAddr(ctx context.Context, t *testing.T, c *client.Client, devnet string) string {
	t.Helper()
	cs, err := c.ContainerList(ctx, client.ContainerListOptions{Filters: client.Filters{}.
		Add("label", compose.LabelDevnet+"="+devnet).Add("label", compose.LabelRole+"="+agent.Role)})
	if err != nil || len(cs.Items) != 1 {
		t.Fatalf("the agent container of devnet %s: %v, %d found", devnet, err, len(cs.Items))
	}
	for _, p := range cs.Items[0].Ports {
		if p.PrivatePort == agent.Port && p.IP.Is4() && p.PublicPort != 0 {
			return net.JoinHostPort("127.0.0.1", strconv.Itoa(int(p.PublicPort)))
		}
	}
	t.Fatalf("the agent of devnet %s publishes no IPv4 port: %+v", devnet, cs.Items[0].Ports)
	return ""
}
