package docker

import (
	"bytes"
	"context"
	"fmt"
	"io"
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
		out, err := b.execIn(ctx, res.Container.ID, argv)
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

func (b *Backend) execIn(ctx context.Context, id string, argv []string) (string, error) {
	ex, err := b.cli.ExecCreate(ctx, id, client.ExecCreateOptions{
		Cmd:          append([]string{"/chaind"}, argv...),
		AttachStdout: true,
		AttachStderr: true,
	})
	if err != nil {
		return "", err
	}
	att, err := b.cli.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
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
	st, err := b.cli.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{})
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
	if _, err := b.cli.VolumeCreate(ctx, client.VolumeCreateOptions{Name: s.Volume, Labels: s.Labels}); err != nil {
		return "", fmt.Errorf("volume: %w", err)
	}
	return b.runContainer(ctx,
		&container.Config{
			Image:  image,
			Cmd:    argv,
			Labels: map[string]string{compose.LabelDevnet: devnet, compose.LabelNode: s.Node.Name, compose.LabelExec: "1"},
		},
		&container.HostConfig{
			NetworkMode: "none",
			Binds:       []string{s.Volume + ":" + compose.DataDir},
		})
}

// runContainer runs a container to completion and returns its stdout; it
// removes the container afterwards even if ctx ended. cfg carries the
// devnet label, so Down also finds one left by a crash.
func (b *Backend) runContainer(ctx context.Context, cfg *container.Config, host *container.HostConfig) (string, error) {
	created, err := b.cli.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host})
	if err != nil {
		return "", fmt.Errorf("create: %w", err)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if _, err := b.cli.ContainerRemove(rctx, created.ID, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			b.log.Warn("one-off container left behind (devnet down removes it)", "container", created.ID, "err", err)
		}
	}()
	if _, err := b.cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		return "", fmt.Errorf("start: %w", err)
	}
	w := b.cli.ContainerWait(ctx, created.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	var code int64
	select {
	case res := <-w.Result:
		code = res.StatusCode
	case err := <-w.Error:
		return "", fmt.Errorf("wait: %w", err)
	}
	var stdout, stderr bytes.Buffer
	if err := b.copyLogs(ctx, created.ID, false, &stdout, &stderr); err != nil {
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
	err = b.copyLogs(ctx, s.Container, follow, w, w)
	if follow && ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("docker: logs of node %s: %w", name, err)
	}
	return nil
}

// copyLogs demultiplexes a container's log stream (no TTY, so the engine
// frames stdout and stderr).
func (b *Backend) copyLogs(ctx context.Context, id string, follow bool, stdout, stderr io.Writer) error {
	rc, err := b.cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: follow})
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = stdcopy.StdCopy(stdout, stderr, rc)
	return err
}
