package process

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// alive tells whether pid is a running chaind of this node. Checking the
// command line guards against a PID reused after a crash of devnet.
func alive(pid int, dataDir string) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		// No /proc (not Linux): trust the signal check.
		return true
	}
	if stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil && isZombie(stat) {
		return false
	}
	return bytes.Contains(cmdline, []byte(dataDir))
}

// isZombie reads the state letter of /proc/PID/stat ("pid (comm) S ...").
func isZombie(stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// waitExit polls until the process is gone or ctx ends.
func waitExit(ctx context.Context, pid int, dataDir string) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for alive(pid, dataDir) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("pid %d still running: %w", pid, ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// terminate sends SIGTERM (after SIGCONT, so a paused node can act on it)
// and SIGKILL when the node has not exited after grace.
func terminate(ctx context.Context, pid int, dataDir string, grace time.Duration) error {
	if !alive(pid, dataDir) {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGCONT)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return nil // already gone
	}
	graceCtx, cancel := context.WithTimeout(ctx, grace)
	defer cancel()
	if waitExit(graceCtx, pid, dataDir) == nil {
		return nil
	}
	return kill(ctx, pid, dataDir)
}

func kill(ctx context.Context, pid int, dataDir string) error {
	if !alive(pid, dataDir) {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return waitExit(waitCtx, pid, dataDir)
}
