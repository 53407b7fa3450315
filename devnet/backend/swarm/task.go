package swarm

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/backend/swarm/agent"
)

// The manager's API stops and starts services wherever their tasks run,
// but kills, pauses and execs act on a container, which only the engine of
// the task's host can reach. They go through the devnet's agent on the
// swarm node of the task (or, offline, of the node's volume): always, also
// on a one-node swarm, so the tests cover the one path there is (agents.go).

// liveTask is the node's running task, failing when it has none.
func (b *Backend) liveTask(ctx context.Context, name, what string) (*swarm.Task, error) {
	s, err := b.service(name)
	if err != nil {
		return nil, err
	}
	t, err := b.runningTask(ctx, s)
	if err != nil {
		return nil, err
	}
	if t == nil || t.Status.ContainerStatus == nil {
		return nil, fmt.Errorf("swarm: %s node %s: it does not run", what, name)
	}
	return t, nil
}

// onTaskContainer runs op with the agent of the swarm node the node's
// running task is on, on its container.
func (b *Backend) onTaskContainer(ctx context.Context, name, what string, op func(c *agent.Client, id string) error) (*swarm.Task, error) {
	t, err := b.liveTask(ctx, name, what)
	if err != nil {
		return nil, err
	}
	id := t.Status.ContainerStatus.ContainerID
	if err := b.onAgent(ctx, t.NodeID, func(c *agent.Client) error { return op(c, id) }); err != nil {
		return nil, fmt.Errorf("swarm: %s node %s (task %s on swarm node %s): %w", what, name, t.ID, t.NodeID, err)
	}
	return t, nil
}

// Kill sends SIGKILL to the task's container and returns once the swarm
// counts the task ended (with no restart policy, it stays so until Start).
func (b *Backend) Kill(ctx context.Context, name string) error {
	if _, err := b.onTaskContainer(ctx, name, "kill", func(c *agent.Client, id string) error { return c.Kill(ctx, id) }); err != nil {
		return err
	}
	s, _ := b.service(name)
	return b.waitStopped(ctx, s)
}

// Pause freezes the task's container (cgroup freezer); the swarm still
// counts it running.
func (b *Backend) Pause(ctx context.Context, name string) error {
	_, err := b.onTaskContainer(ctx, name, "pause", func(c *agent.Client, id string) error { return c.Pause(ctx, id) })
	return err
}

// Unpause thaws the task's container and returns once the node answers.
func (b *Backend) Unpause(ctx context.Context, name string) error {
	t, err := b.onTaskContainer(ctx, name, "unpause", func(c *agent.Client, id string) error { return c.Unpause(ctx, id) })
	if err != nil {
		return err
	}
	s, _ := b.service(name)
	return b.waitAnswering(ctx, s, t.ID)
}

// Exec runs `chaind ARGS --datadir /data` on the node's data: an exec in
// the running task's container (through the node's RPC), else a one-off
// container on the node's volume, as docker does; both by the agent of
// the swarm node where the task runs or the volume is.
func (b *Backend) Exec(ctx context.Context, name string, args ...string) (string, error) {
	s, err := b.service(name)
	if err != nil {
		return "", err
	}
	argv := s.Node.CommandArgv(compose.DataDir, args)
	t, err := b.runningTask(ctx, s)
	if err != nil {
		return "", err
	}
	if t != nil && t.Status.ContainerStatus != nil {
		var out string
		_, err := b.onTaskContainer(ctx, name, "exec on", func(c *agent.Client, id string) error {
			var err error
			out, err = c.Exec(ctx, id, argv)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("%w (chaind %s)", err, strings.Join(args, " "))
		}
		return out, nil
	}
	host, err := b.volumeHost(ctx, s)
	if err != nil {
		return "", err
	}
	b.mu.Lock()
	image := b.image
	b.mu.Unlock()
	var out string
	err = b.onAgent(ctx, host, func(c *agent.Client) error {
		var err error
		out, err = c.RunOnVolume(ctx, agent.RunOnVolumeRequest{Image: image, Volume: s.Volume, Node: name, Labels: s.Labels, Argv: argv})
		return err
	})
	if err != nil {
		return out, fmt.Errorf("swarm: offline on node %s (volume on swarm node %s): chaind %s: %w", name, host, strings.Join(args, " "), err)
	}
	return out, nil
}

// volumeHost is the swarm node holding the node's volume: the one its
// service is pinned to, or, for a node that never ran, the swarm's only
// node (with several, where it will run is the scheduler's choice, made
// at its first start).
func (b *Backend) volumeHost(ctx context.Context, s *compose.Service) (string, error) {
	svc, err := b.inspect(ctx, s.Container)
	if host := pinnedTo(svc.Spec.TaskTemplate.Placement); err == nil && host != "" {
		return host, nil
	}
	info, err := b.cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return "", fmt.Errorf("swarm: offline exec on node %s: %w", s.Node.Name, err)
	}
	if info.Info.Swarm.Nodes > 1 {
		return "", fmt.Errorf("swarm: offline exec on node %s: it never ran, so it has no volume on any of the %d swarm nodes yet (start it first)", s.Node.Name, info.Info.Swarm.Nodes)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.self, nil
}

// Logs writes the node's log (every task it had, from whichever host) to
// w; with follow it streams until ctx ends.
func (b *Backend) Logs(ctx context.Context, name string, follow bool, w io.Writer) error {
	s, err := b.service(name)
	if err != nil {
		return err
	}
	err = b.copyLogs(ctx, s, follow, "", w)
	if follow && ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("swarm: logs of node %s: %w", name, err)
	}
	return nil
}
