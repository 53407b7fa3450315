package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/backend/docker"
)

// DockerEngine is Engine on the engine the client talks to (the socket
// mounted into the agent's container).
type DockerEngine struct {
	Client *client.Client
	Log    *slog.Logger
}

var _ Engine = (*DockerEngine)(nil)

// Container is the container's labels and paused state.
func (e *DockerEngine) Container(ctx context.Context, id string) (map[string]string, bool, error) {
	res, err := e.Client.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return nil, false, err
	}
	var labels map[string]string
	if res.Container.Config != nil {
		labels = res.Container.Config.Labels
	}
	paused := res.Container.State != nil && res.Container.State.Paused
	return labels, paused, nil
}

// Kill sends SIGKILL and waits until the container stopped, so the caller
// sees the node gone when it returns.
func (e *DockerEngine) Kill(ctx context.Context, id string) error {
	if _, err := e.Client.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		return err
	}
	if err := docker.WaitStopped(ctx, e.Client, id); err != nil {
		return fmt.Errorf("waiting for it to stop: %w", err)
	}
	return nil
}

// Pause freezes the container (cgroup freezer).
func (e *DockerEngine) Pause(ctx context.Context, id string) error {
	_, err := e.Client.ContainerPause(ctx, id, client.ContainerPauseOptions{})
	return err
}

// Unpause thaws the container.
func (e *DockerEngine) Unpause(ctx context.Context, id string) error {
	_, err := e.Client.ContainerUnpause(ctx, id, client.ContainerUnpauseOptions{})
	return err
}

// Exec is docker.ExecIn.
func (e *DockerEngine) Exec(ctx context.Context, id string, argv []string) (string, error) {
	return docker.ExecIn(ctx, e.Client, id, argv)
}

// VolumeLabels is the volume's labels.
func (e *DockerEngine) VolumeLabels(ctx context.Context, name string) (map[string]string, error) {
	res, err := e.Client.VolumeInspect(ctx, name, client.VolumeInspectOptions{})
	if err != nil {
		return nil, err
	}
	return res.Volume.Labels, nil
}

// RunOnVolume is docker.RunOnVolume.
func (e *DockerEngine) RunOnVolume(ctx context.Context, image, devnet, node, volume string, labels map[string]string, argv []string) (string, error) {
	return docker.RunOnVolume(ctx, e.Client, image, devnet, node, volume, labels, argv, e.Log)
}

// volumesInUseWait bounds how long RemoveVolumes waits for the swarm to
// remove the containers holding the volumes: it is called right after the
// devnet's node services were removed, while their tasks stop (SIGTERM,
// SIGKILL after the grace period) and go.
const volumesInUseWait = 60 * time.Second

// RemoveVolumes removes the devnet's one-off containers (offline commands
// a crash left) and volumes on this host, trying a volume still in use
// again until volumesInUseWait.
func (e *DockerEngine) RemoveVolumes(ctx context.Context, devnet string) ([]string, error) {
	oneOff := docker.LabelFilter(compose.LabelDevnet, devnet).Add("label", compose.LabelExec)
	cs, err := e.Client.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: oneOff})
	if err != nil {
		return nil, fmt.Errorf("list one-off containers: %w", err)
	}
	for _, c := range cs.Items {
		if _, err := e.Client.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			return nil, fmt.Errorf("one-off container %s: %w", c.ID, err)
		}
	}
	deadline := time.Now().Add(volumesInUseWait)
	var removed []string
	for {
		vs, err := e.Client.VolumeList(ctx, client.VolumeListOptions{Filters: docker.LabelFilter(compose.LabelDevnet, devnet)})
		if err != nil {
			return removed, fmt.Errorf("list volumes: %w", err)
		}
		var errs []error
		for _, v := range vs.Items {
			_, err := e.Client.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{})
			switch {
			case err == nil:
				removed = append(removed, v.Name)
			case !cerrdefs.IsNotFound(err):
				errs = append(errs, fmt.Errorf("volume %s: %w", v.Name, err))
			}
		}
		err = errors.Join(errs...)
		if err == nil || time.Now().After(deadline) {
			return removed, err
		}
		t := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
			return removed, errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}
