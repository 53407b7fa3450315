package state

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// One command at a time holds a devnet: a second claim fails at once,
// naming the holder's pid; released, the devnet can be claimed again, and
// another name is never blocked.
func TestLockIsOneCommandAtATime(t *testing.T) {
	s := &Store{Root: t.TempDir()}
	release, err := s.Lock("net")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Lock("net")
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("second claim: %v; want ErrInUse naming pid %d", err, os.Getpid())
	}
	other, err := s.Lock("other")
	if err != nil {
		t.Fatalf("another devnet: %v", err)
	}
	other()
	release()
	again, err := s.Lock("net")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()
	if names, _ := s.Names(); len(names) != 0 {
		t.Errorf("lock files show as devnets: %v", names)
	}
}
