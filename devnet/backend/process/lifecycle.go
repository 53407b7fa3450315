package process

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/devchain/devchain/devnet/backend"
)

// Start starts the node unless it runs, and returns once its control API
// answers (or with the tail of its log when it exits first).
func (b *Backend) Start(ctx context.Context, name string) error {
	n, ns, err := b.lookup(name)
	if err != nil {
		return err
	}
	if alive(ns.PID, ns.DataDir) {
		return nil
	}
	args, err := b.argv(n, ns)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(ns.DataDir, 0o700); err != nil {
		return err
	}
	logf, err := os.OpenFile(ns.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(b.opts.Chaind, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = backend.NodeEnv(os.Environ(), len(b.net.Nodes))
	// Own process group: a Ctrl-C on devnet's terminal must not reach the
	// nodes; devnet decides whether to tear them down.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("node %s: starting %s: %w", name, b.opts.Chaind, err)
	}
	exited := make(chan error, 1)
	b.children.Add(1)
	go func() { // reaps the child; no zombies while devnet runs
		defer b.children.Done()
		exited <- cmd.Wait()
	}()
	if err := b.setPID(name, cmd.Process.Pid); err != nil {
		return err
	}
	b.log.Debug("started", "node", name, "pid", cmd.Process.Pid, "args", strings.Join(args, " "))
	if err := b.waitAnswering(ctx, name, exited); err != nil {
		return err
	}
	b.mu.Lock()
	sides, net := b.state.Partition, b.net
	b.mu.Unlock()
	if sides != nil {
		return backend.GateNode(ctx, b, net, sides, name)
	}
	return nil
}

// waitAnswering waits until the node's control API answers (exited: nil
// when not watched).
func (b *Backend) waitAnswering(ctx context.Context, name string, exited <-chan error) error {
	url, err := b.Endpoint(name)
	if err != nil {
		return err
	}
	return backend.WaitAnswering(ctx, name, url, exited, func() string { return b.logTail(name) })
}

// Stop sends SIGTERM, then SIGKILL after StopGrace.
func (b *Backend) Stop(ctx context.Context, name string) error {
	return b.signalStop(ctx, name, func(pid int, dir string) error { return terminate(ctx, pid, dir, StopGrace) })
}

// Kill sends SIGKILL.
func (b *Backend) Kill(ctx context.Context, name string) error {
	return b.signalStop(ctx, name, func(pid int, dir string) error { return kill(ctx, pid, dir) })
}

func (b *Backend) signalStop(ctx context.Context, name string, stop func(pid int, dataDir string) error) error {
	_, ns, err := b.lookup(name)
	if err != nil {
		return err
	}
	if err := stop(ns.PID, ns.DataDir); err != nil {
		return fmt.Errorf("node %s: %w", name, err)
	}
	return b.setPID(name, 0)
}

// Pause freezes the node (SIGSTOP) and returns once it is frozen: its
// sockets stay open but it answers nothing.
func (b *Backend) Pause(ctx context.Context, name string) error {
	return b.signal(ctx, name, syscall.SIGSTOP, true)
}

// Unpause resumes a paused node (SIGCONT).
func (b *Backend) Unpause(ctx context.Context, name string) error {
	if err := b.signal(ctx, name, syscall.SIGCONT, false); err != nil {
		return err
	}
	return b.waitAnswering(ctx, name, nil)
}

func (b *Backend) signal(ctx context.Context, name string, sig syscall.Signal, stopped bool) error {
	_, ns, err := b.lookup(name)
	if err != nil {
		return err
	}
	if !alive(ns.PID, ns.DataDir) {
		return fmt.Errorf("node %s is not running", name)
	}
	if err := syscall.Kill(ns.PID, sig); err != nil {
		return fmt.Errorf("node %s: %w", name, err)
	}
	return waitStopped(ctx, ns.PID, stopped)
}
