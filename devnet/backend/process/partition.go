package process

import (
	"context"

	"github.com/devchain/devchain/devnet/backend"
)

// Partition makes every node of a side refuse the peers of the other sides
// (backend.GatePartition). Nodes started later get the same gate.
func (b *Backend) Partition(ctx context.Context, sides [][]string) error {
	if _, err := b.recordPartition(sides); err != nil {
		return err
	}
	b.mu.Lock()
	net := b.net
	b.mu.Unlock()
	return backend.GatePartition(ctx, b, net, sides, b.running)
}

// Heal clears every gate the partition set.
func (b *Backend) Heal(ctx context.Context) error {
	sides, err := b.recordPartition(nil)
	if err != nil {
		return err
	}
	return backend.GateHeal(ctx, b, sides, b.running)
}

// recordPartition saves sides (nil: none) as the partition in force, for
// nodes that start while it holds, and returns the one it replaces.
func (b *Backend) recordPartition(sides [][]string) ([][]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.state.Partition
	b.state.Partition = sides
	return old, b.state.save(b.opts.StateDir)
}

// running tells whether the node's process runs; the gate of one that does
// not is set when it starts.
func (b *Backend) running(name string) (bool, error) {
	_, ns, err := b.lookup(name)
	if err != nil {
		return false, err
	}
	return alive(ns.PID, ns.DataDir), nil
}
