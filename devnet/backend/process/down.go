package process

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/devchain/devchain/internal/fanout"
)

// Down stops every node (concurrently: each may take StopGrace) and removes
// the state dir.
func (b *Backend) Down(ctx context.Context) error {
	st, err := loadState(b.opts.StateDir)
	if isNotExist(err) {
		return os.RemoveAll(b.opts.StateDir)
	}
	if err != nil {
		return err
	}
	names := slices.Sorted(maps.Keys(st.Nodes))
	err = fanout.Each(names, 0, func(name string) error {
		ns := st.Nodes[name]
		if err := terminate(ctx, ns.PID, ns.DataDir, StopGrace); err != nil {
			return fmt.Errorf("node %s: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := b.waitReaped(ctx); err != nil {
		return err
	}
	return os.RemoveAll(b.opts.StateDir)
}

// waitReaped waits until every chaind this Backend started is reaped. They
// have all exited by now; only the reaping goroutines may still be on their way.
func (b *Backend) waitReaped(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		b.children.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for the nodes to be reaped: %w", ctx.Err())
	}
}
