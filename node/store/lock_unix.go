//go:build unix

package store

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// holdLock takes badger's directory lock (a non-blocking flock on dir/LOCK,
// as badger takes it) for the checks before badger opens the directory, so
// they never read files a running node is rewriting: a held lock is
// ErrLocked. release drops it again (removing LOCK if it made it) before
// badger takes it for itself.
func holdLock(dir string) (release func(), err error) {
	path := filepath.Join(dir, "LOCK")
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, err
	}
	return func() {
		if errors.Is(statErr, os.ErrNotExist) {
			os.Remove(path)
		}
		f.Close()
	}, nil
}
