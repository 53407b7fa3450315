package daemon

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// CloseTimeout bounds Node.Close and Bootstrap.Close. A store that cannot
// flush (a full or hung disk) or a lock held by a stuck write must not keep
// a node from exiting after SIGTERM: devnet and compose send SIGKILL 10 s
// after SIGTERM, and 7 s leaves the process time to log what did not close
// and exit by itself. What did not close is given up: badger replays its
// write-ahead log on the next start, as after a crash.
const CloseTimeout = 7 * time.Second

// ErrCloseTimeout is wrapped by Close when a part did not close within
// CloseTimeout.
var ErrCloseTimeout = errors.New("did not close")

// closeStep is one part of a shutdown, named for the error when it fails or
// hangs.
type closeStep struct {
	name string
	fn   func() error
}

// closeWithin runs steps in order in a goroutine of its own and waits for
// them at most d. If d passes first, it returns an error naming the step
// still running and those not reached; they are left to finish in the
// background, since the process is about to exit. Otherwise it returns the
// steps' errors, each named.
func closeWithin(d time.Duration, steps []closeStep) error {
	var mu sync.Mutex
	cur := 0
	done := make(chan error, 1)
	go func() {
		var errs []error
		for i, s := range steps {
			mu.Lock()
			cur = i
			mu.Unlock()
			if err := s.fn(); err != nil {
				errs = append(errs, fmt.Errorf("close %s: %w", s.name, err))
			}
		}
		done <- errors.Join(errs...)
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
	}
	mu.Lock()
	i := cur
	mu.Unlock()
	var rest []string
	for _, s := range steps[i+1:] {
		rest = append(rest, s.name)
	}
	if len(rest) == 0 {
		return fmt.Errorf("%s %w within %v", steps[i].name, ErrCloseTimeout, d)
	}
	return fmt.Errorf("%s %w within %v; not closed after it: %s", steps[i].name, ErrCloseTimeout, d, strings.Join(rest, ", "))
}
