package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrInUse is wrapped by Lock when another devnet command runs the devnet.
var ErrInUse = errors.New("in use")

// Lock claims the named devnet for one command that starts and runs it
// (up, run, chaos): two at once would start, stop and remove each other's
// nodes. It holds an flock on <root>/<name>.lock (beside the devnet's
// folder, which down removes) until release; the kernel drops it when the
// process dies, so a crashed command leaves no stale claim. A claim held
// elsewhere fails at once with ErrInUse and the holder's pid.
func (s *Store) Lock(name string) (release func(), err error) {
	if err := os.MkdirAll(s.Root, 0o755); err != nil {
		return nil, fmt.Errorf("devnet state: %w", err)
	}
	path := filepath.Join(s.Root, name+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("devnet %s: lock: %w", name, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		defer f.Close()
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("devnet %s: lock %s: %w", name, path, err)
		}
		holder := "another devnet command"
		if raw, _ := os.ReadFile(path); len(raw) > 0 {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(raw))); err == nil {
				holder = fmt.Sprintf("another devnet command (pid %d)", pid)
			}
		}
		return nil, fmt.Errorf("devnet %s is %w: %s is running it; wait for it to end, or stop it (Ctrl-C, or `devnet down %s`)", name, ErrInUse, holder, name)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { f.Close() }, nil // closing the file drops the flock
}
