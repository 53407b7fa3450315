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
		// Gone between the signal check and the read (reaped meanwhile),
		// unless there is no /proc at all (not Linux): then trust the
		// signal check.
		_, noProc := os.Stat("/proc/self")
		return noProc != nil
	}
	if stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil && isZombie(stat) {
		return false
	}
	// Arguments are NUL-separated: match the whole argument, so node "a"
	// does not claim the process of node "ab".
	return bytes.Contains(cmdline, []byte("\x00"+dataDir+"\x00"))
}

// isZombie reads the state letter of /proc/PID/stat ("pid (comm) S ...").
func isZombie(stat []byte) bool { return procState(stat) == 'Z' }

func procState(stat []byte) byte {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return 0
	}
	return stat[i+2]
}

// waitStopped waits until every thread of pid is stopped (want) or none is:
// a signal is delivered asynchronously, and a "paused" node must not answer
// one more request.
func waitStopped(ctx context.Context, pid int, want bool) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	tasks := "/proc/" + strconv.Itoa(pid) + "/task"
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		ids, err := os.ReadDir(tasks)
		if err != nil {
			return nil // no /proc, or the process is gone: nothing to wait for
		}
		done := true
		for _, id := range ids {
			stat, err := os.ReadFile(tasks + "/" + id.Name() + "/stat")
			if err != nil {
				continue
			}
			if st := procState(stat); (st == 'T' || st == 't') != want {
				done = false
				break
			}
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pid %d: threads not %s: %w", pid, map[bool]string{true: "stopped", false: "running"}[want], ctx.Err())
		case <-t.C:
		}
	}
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
