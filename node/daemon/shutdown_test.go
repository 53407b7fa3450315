package daemon

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/node/controlapi"
)

// A node whose chain database cannot close (a badger that cannot flush)
// still stops within CloseTimeout of its context's end, as Run does on
// SIGTERM, and says what did not close.
func TestCloseReturnsWhenChainHangs(t *testing.T) {
	cfg := testConfig(t, "hang")
	n := startNode(t, cfg)

	// The chain's close blocks until the test releases it, then closes the
	// database for real, so the data dir can be removed afterwards.
	release := make(chan struct{})
	closed := make(chan error, 1)
	closeChain := n.closeChain
	n.closeChain = func() error {
		<-release
		err := closeChain()
		closed <- err
		return err
	}
	t.Cleanup(func() {
		close(release)
		if err := <-closed; err != nil {
			t.Errorf("chain close after release: %v", err)
		}
	})

	// What Run does after Start.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		done <- n.Close()
	}()
	cancel()
	cancelled := time.Now()
	var err error
	select {
	case err = <-done:
	case <-time.After(8 * time.Second):
		t.Fatal("Close did not return within 8 s of cancellation")
	}
	took := time.Since(cancelled)
	t.Logf("Close returned %v after cancellation (CloseTimeout %v; SIGKILL comes at 10 s): %v", took.Round(time.Millisecond), CloseTimeout, err)
	if took > 8*time.Second {
		t.Errorf("Close took %v, more than 8 s", took)
	}
	if took < CloseTimeout {
		t.Errorf("Close returned after %v, before CloseTimeout, with the chain still closing", took)
	}
	chainDir := filepath.Join(cfg.DataDir, "chain")
	if !errors.Is(err, ErrCloseTimeout) || !strings.Contains(err.Error(), "chain database "+chainDir) {
		t.Errorf("the error does not name the chain database: %v", err)
	}
	// Everything before the chain closed: the control API and its address
	// file are gone.
	if _, err := os.Stat(filepath.Join(cfg.DataDir, controlapi.AddrFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("rpc.addr after Close: %v", err)
	}
	hctx, hcancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer hcancel()
	if err := n.client().Healthz(hctx); err == nil {
		t.Error("the control API still answers after Close")
	}
}

// A step that fails is named, and the steps after it still run.
func TestCloseWithinNamesFailures(t *testing.T) {
	ran := false
	err := closeWithin(time.Second, []closeStep{
		{"first", func() error { return errors.New("boom") }},
		{"second", func() error { ran = true; return nil }},
	})
	if err == nil || errors.Is(err, ErrCloseTimeout) || !strings.Contains(err.Error(), "close first: boom") || !ran {
		t.Fatalf("err %v, second ran %v", err, ran)
	}
	block := make(chan struct{})
	defer close(block)
	err = closeWithin(50*time.Millisecond, []closeStep{
		{"a", func() error { return nil }},
		{"b", func() error { <-block; return nil }},
		{"c", func() error { return nil }},
	})
	if !errors.Is(err, ErrCloseTimeout) || err.Error() != "b did not close within 50ms; not closed after it: c" {
		t.Fatalf("err %v", err)
	}
}
