package docker

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
)

// cleanupTimeout bounds removals that run after the caller's context ended.
const cleanupTimeout = 30 * time.Second

// Exec runs `chaind ARGS --datadir /data` on the node's data. In a running
// container it is an exec (the image has no shell, so the binary is run
// directly) and goes through the node's RPC; otherwise a one-off container
// of the same image runs it offline on the node's volume and is removed.
func (b *Backend) Exec(ctx context.Context, name string, args ...string) (string, error) {
	s, err := b.service(name)
	if err != nil {
		return "", err
	}
	argv := s.Node.CommandArgv(compose.DataDir, args)
	res, err := b.cli.ContainerInspect(ctx, s.Container, client.ContainerInspectOptions{})
	switch {
	case cerrdefs.IsNotFound(err):
	case err != nil:
		return "", fmt.Errorf("docker: exec on node %s: %w", name, err)
	case res.Container.State != nil && res.Container.State.Paused:
		return "", fmt.Errorf("docker: exec on node %s: node is paused", name)
	case res.Container.State != nil && res.Container.State.Running:
		out, err := ExecIn(ctx, b.cli, res.Container.ID, argv)
		if err != nil {
			return out, fmt.Errorf("docker: exec on node %s: chaind %s: %w", name, strings.Join(args, " "), err)
		}
		return out, nil
	}
	out, err := b.runOnce(ctx, s, argv)
	if err != nil {
		return out, fmt.Errorf("docker: offline on node %s: chaind %s: %w", name, strings.Join(args, " "), err)
	}
	return out, nil
}

// ExecIn runs /chaind ARGV in the running container id and returns its
// standard output; a failure carries its exit status and standard error.
// The swarm backend runs it in a task's container.
func ExecIn(ctx context.Context, c *client.Client, id string, argv []string) (string, error) {
	ex, err := c.ExecCreate(ctx, id, client.ExecCreateOptions{
		Cmd:          append([]string{"/chaind"}, argv...),
		AttachStdout: true,
		AttachStderr: true,
	})
	if err != nil {
		return "", err
	}
	att, err := c.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return "", err
	}
	defer att.Close()
	// The hijacked connection ignores ctx; closing it ends the copy.
	stop := context.AfterFunc(ctx, att.Close)
	defer stop()
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&stdout, &stderr, att.Reader); err != nil {
		return stdout.String(), fmt.Errorf("reading output: %w", err)
	}
	if ctx.Err() != nil {
		return stdout.String(), ctx.Err()
	}
	st, err := c.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{})
	if err != nil {
		return stdout.String(), err
	}
	return stdout.String(), exitError(st.ExitCode, stderr.String())
}

// runOnce runs chaind in a new container on the node's volume, without a
// network.
func (b *Backend) runOnce(ctx context.Context, s *compose.Service, argv []string) (string, error) {
	b.mu.Lock()
	image, devnet := b.image, b.layout.Devnet
	b.mu.Unlock()
	return RunOnVolume(ctx, b.cli, image, devnet, s.Node.Name, s.Volume, s.Labels, argv, b.log)
}

// RunOnVolume runs /chaind ARGV of image offline (no network) in a one-off
// container on the node's volume (created with labels if missing), labelled
// as an exec of the node of devnet, and returns its standard output. The
// swarm backend runs it on a stopped service's volume.
func RunOnVolume(ctx context.Context, c *client.Client, image, devnet, node, volume string, labels map[string]string, argv []string, log *slog.Logger) (string, error) {
	if _, err := c.VolumeCreate(ctx, client.VolumeCreateOptions{Name: volume, Labels: labels}); err != nil {
		return "", fmt.Errorf("volume: %w", err)
	}
	return runContainer(ctx, c,
		&container.Config{
			Image:  image,
			Cmd:    argv,
			Labels: map[string]string{compose.LabelDevnet: devnet, compose.LabelNode: node, compose.LabelExec: "1"},
		},
		&container.HostConfig{
			NetworkMode: "none",
			Binds:       []string{volume + ":" + compose.DataDir},
		}, log)
}

// runContainer runs a container to completion and returns its stdout; it
// removes the container afterwards even if ctx ended. cfg carries the
// devnet label, so Down also finds one left by a crash.
func runContainer(ctx context.Context, c *client.Client, cfg *container.Config, host *container.HostConfig, log *slog.Logger) (string, error) {
	created, err := c.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host})
	if err != nil {
		return "", fmt.Errorf("create: %w", err)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if _, err := c.ContainerRemove(rctx, created.ID, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			log.Warn("one-off container left behind (devnet down removes it)", "container", created.ID, "err", err)
		}
	}()
	if _, err := c.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		return "", fmt.Errorf("start: %w", err)
	}
	w := c.ContainerWait(ctx, created.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	var code int64
	select {
	case res := <-w.Result:
		code = res.StatusCode
	case err := <-w.Error:
		return "", fmt.Errorf("wait: %w", err)
	}
	var stdout, stderr bytes.Buffer
	if err := CopyLogs(ctx, c, created.ID, false, &stdout, &stderr); err != nil {
		return "", err
	}
	return stdout.String(), exitError(int(code), stderr.String())
}

func exitError(code int, stderr string) error {
	if code == 0 {
		return nil
	}
	if msg := strings.TrimSpace(stderr); msg != "" {
		return fmt.Errorf("exit status %d: %s", code, msg)
	}
	return fmt.Errorf("exit status %d", code)
}

// Logs writes the node's output (stdout and stderr, in order) to w; with
// follow it streams until ctx ends or the container stops.
func (b *Backend) Logs(ctx context.Context, name string, follow bool, w io.Writer) error {
	s, err := b.service(name)
	if err != nil {
		return err
	}
	err = CopyLogs(ctx, b.cli, s.Container, follow, w, w)
	if follow && ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("docker: logs of node %s: %w", name, err)
	}
	return nil
}

// CopyLogs demultiplexes a container's log stream (no TTY, so the engine
// frames stdout and stderr). The swarm backend reads a task's container.
func CopyLogs(ctx context.Context, c *client.Client, id string, follow bool, stdout, stderr io.Writer) error {
	rc, err := c.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: follow})
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = stdcopy.StdCopy(stdout, stderr, rc)
	return err
}
