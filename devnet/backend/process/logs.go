package process

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/devchain/devchain/devnet/backend"
)

func (b *Backend) logTail(name string) string {
	_, ns, err := b.lookup(name)
	if err != nil {
		return err.Error()
	}
	raw, _ := os.ReadFile(ns.Log)
	return backend.Tail(string(raw), backend.LogTailLines)
}

// Logs copies the node's log file; with follow it keeps copying what is
// appended until ctx ends.
func (b *Backend) Logs(ctx context.Context, name string, follow bool, w io.Writer) error {
	_, ns, err := b.lookup(name)
	if err != nil {
		return err
	}
	f, err := os.Open(ns.Log)
	if isNotExist(err) && !follow {
		return nil // never started: no log yet
	}
	if err != nil {
		return err
	}
	defer f.Close()
	for {
		if _, err := io.Copy(w, f); err != nil {
			return err
		}
		if !follow {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(200 * time.Millisecond):
		}
	}
}
