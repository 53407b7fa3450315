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
	return os.RemoveAll(b.opts.StateDir)
}
