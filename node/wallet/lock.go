package wallet

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// lockWait bounds how long Create waits for another writer of the wallet
// file. A writer holds the lock for one read and one write of a small file,
// so a longer wait means a writer that is stopped (a paused node): an error
// naming the lock beats a command that hangs.
const lockWait = 10 * time.Second

// lockPoll is how often a waiting writer tries the lock again.
const lockPoll = 5 * time.Millisecond

// lockFile takes an exclusive flock on path (created 0600 if missing), for
// every process and every open file in this one alike, and gives the
// function that releases it. The lock file stays: removing it would let a
// writer lock a file another writer no longer sees.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("wallet lock: %w", err)
	}
	deadline := time.Now().Add(lockWait)
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing the file releases the flock
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("wallet lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("wallet lock %s: another process has held it for over %s (a paused node?)", path, lockWait)
		}
		time.Sleep(lockPoll)
	}
}
