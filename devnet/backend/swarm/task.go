package swarm

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/backend/docker"
)

// The manager's API stops and starts services wherever their tasks run,
// but kills, pauses and execs act on a container, which only the engine of
// the task's host can reach. On a one-node swarm that is this engine. On
// several hosts it is the job of an agent not built yet: a global service
// of the node image with the engine socket mounted, acting on the
// containers of its own host (docs/DESIGN.md, Swarm).

// errRemote is the answer for a task on another host.
func errRemote(what, node, host string) error {
	return fmt.Errorf("swarm: %s node %s: its task runs on swarm node %s, not this engine's: not supported on a multi-node swarm yet", what, node, host)
}

// localTask is the node's running task, whose container this engine holds.
func (b *Backend) localTask(ctx context.Context, name, what string) (*swarm.Task, error) {
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
	b.mu.Lock()
	self := b.self
	b.mu.Unlock()
	if t.NodeID != self {
		return nil, errRemote(what, name, t.NodeID)
	}
	return t, nil
}

// Kill sends SIGKILL to the task's container and returns once the swarm
// counts the task ended (with no restart policy, it stays so until Start).
func (b *Backend) Kill(ctx context.Context, name string) error {
	t, err := b.localTask(ctx, name, "kill")
	if err != nil {
		return err
	}
	id := t.Status.ContainerStatus.ContainerID
	if _, err := b.cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		return fmt.Errorf("swarm: kill node %s: %w", name, err)
	}
	if err := docker.WaitStopped(ctx, b.cli, id); err != nil {
		return fmt.Errorf("swarm: kill node %s: %w", name, err)
	}
	s, _ := b.service(name)
	return b.waitStopped(ctx, s)
}

// Pause freezes the task's container (cgroup freezer); the swarm still
// counts it running.
func (b *Backend) Pause(ctx context.Context, name string) error {
	t, err := b.localTask(ctx, name, "pause")
	if err != nil {
		return err
	}
	if _, err := b.cli.ContainerPause(ctx, t.Status.ContainerStatus.ContainerID, client.ContainerPauseOptions{}); err != nil {
		return fmt.Errorf("swarm: pause node %s: %w", name, err)
	}
	return nil
}

// Unpause thaws the task's container and returns once the node answers.
func (b *Backend) Unpause(ctx context.Context, name string) error {
	t, err := b.localTask(ctx, name, "unpause")
	if err != nil {
		return err
	}
	if _, err := b.cli.ContainerUnpause(ctx, t.Status.ContainerStatus.ContainerID, client.ContainerUnpauseOptions{}); err != nil {
		return fmt.Errorf("swarm: unpause node %s: %w", name, err)
	}
	s, _ := b.service(name)
	return b.waitAnswering(ctx, s, t.ID)
}

// Exec runs `chaind ARGS --datadir /data` on the node's data: an exec in
// the running task's container (through the node's RPC), else a one-off
// container on the node's volume, as docker does; both on this engine.
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
		t, err := b.localTask(ctx, name, "exec on")
		if err != nil {
			return "", err
		}
		id := t.Status.ContainerStatus.ContainerID
		res, err := b.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if err == nil && res.Container.State != nil && res.Container.State.Paused {
			return "", fmt.Errorf("swarm: exec on node %s: node is paused", name)
		}
		out, err := docker.ExecIn(ctx, b.cli, id, argv)
		if err != nil {
			return out, fmt.Errorf("swarm: exec on node %s: chaind %s: %w", name, strings.Join(args, " "), err)
		}
		return out, nil
	}
	if err := b.volumeHere(ctx, s); err != nil {
		return "", err
	}
	b.mu.Lock()
	image, devnet := b.image, b.layout.Devnet
	b.mu.Unlock()
	out, err := docker.RunOnVolume(ctx, b.cli, image, devnet, name, s.Volume, s.Labels, argv, b.log)
	if err != nil {
		return out, fmt.Errorf("swarm: offline on node %s: chaind %s: %w", name, strings.Join(args, " "), err)
	}
	return out, nil
}

// volumeHere checks that the node's volume is (or will be, for a node that
// never ran) on this engine's host: the service is pinned here, or the
// swarm has this node alone.
func (b *Backend) volumeHere(ctx context.Context, s *compose.Service) error {
	b.mu.Lock()
	self := b.self
	b.mu.Unlock()
	svc, err := b.inspect(ctx, s.Container)
	if err == nil && svc.Spec.TaskTemplate.Placement != nil {
		for _, c := range svc.Spec.TaskTemplate.Placement.Constraints {
			if host, ok := strings.CutPrefix(c, "node.id=="); ok {
				if host != self {
					return errRemote("offline exec on", s.Node.Name, host)
				}
				return nil
			}
		}
	}
	info, err := b.cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return fmt.Errorf("swarm: offline exec on node %s: %w", s.Node.Name, err)
	}
	if info.Info.Swarm.Nodes > 1 {
		return errRemote("offline exec on", s.Node.Name, "(not placed yet)")
	}
	return nil
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
