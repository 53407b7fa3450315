package process

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/devchain/devchain/devnet/backend"
)

// Partition makes every node of a side refuse the peers of the other sides
// (POST /admin/gate). Nodes started later get the same gate.
func (b *Backend) Partition(ctx context.Context, sides [][]string) error {
	if _, err := b.recordPartition(sides); err != nil {
		return err
	}
	var errs []error
	for _, name := range slices.Concat(sides...) {
		errs = append(errs, b.gate(ctx, sides, name))
	}
	return errors.Join(errs...)
}

// Heal clears every gate the partition set.
func (b *Backend) Heal(ctx context.Context) error {
	sides, err := b.recordPartition(nil)
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range slices.Concat(sides...) {
		errs = append(errs, b.setGate(ctx, name, []string{}))
	}
	return errors.Join(errs...)
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

// gate applies the partition to one node: it denies every node of the
// other sides. A node in no side or not running is left alone.
func (b *Backend) gate(ctx context.Context, sides [][]string, name string) error {
	var deny []string
	in := false
	for _, side := range sides {
		if slices.Contains(side, name) {
			in = true
			continue
		}
		for _, other := range side {
			n, _, err := b.lookup(other)
			if err != nil {
				return err
			}
			deny = append(deny, n.PeerID)
		}
	}
	if !in {
		return nil
	}
	return b.setGate(ctx, name, deny)
}

func (b *Backend) setGate(ctx context.Context, name string, deny []string) error {
	_, ns, err := b.lookup(name)
	if err != nil {
		return err
	}
	if !alive(ns.PID, ns.DataDir) {
		return nil
	}
	c, err := backend.Client(b, name)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	if _, err := c.Gate(ctx, deny); err != nil {
		return fmt.Errorf("node %s: gate: %w", name, err)
	}
	return nil
}
