package process

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/devchain/devchain/node/rpc"
)

// Partition makes every node of a side refuse the peers of the other sides
// (POST /admin/gate). Nodes started later get the same gate.
func (r *Backend) Partition(ctx context.Context, sides [][]string) error {
	r.mu.Lock()
	r.state.Partition = sides
	err := r.state.save(r.opts.StateDir)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	var errs []error
	for _, side := range sides {
		for _, name := range side {
			errs = append(errs, r.gate(ctx, sides, name))
		}
	}
	return errors.Join(errs...)
}

// Heal clears every gate the partition set.
func (r *Backend) Heal(ctx context.Context) error {
	r.mu.Lock()
	sides := r.state.Partition
	r.state.Partition = nil
	err := r.state.save(r.opts.StateDir)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	var errs []error
	for _, side := range sides {
		for _, name := range side {
			errs = append(errs, r.setGate(ctx, name, []string{}))
		}
	}
	return errors.Join(errs...)
}

// gate applies the partition to one node: it denies every node of the
// other sides. A node in no side or not running is left alone.
func (r *Backend) gate(ctx context.Context, sides [][]string, name string) error {
	var deny []string
	in := false
	for _, side := range sides {
		if slices.Contains(side, name) {
			in = true
			continue
		}
		for _, other := range side {
			n, _, err := r.lookup(other)
			if err != nil {
				return err
			}
			deny = append(deny, n.PeerID)
		}
	}
	if !in {
		return nil
	}
	return r.setGate(ctx, name, deny)
}

func (r *Backend) setGate(ctx context.Context, name string, deny []string) error {
	_, ns, err := r.lookup(name)
	if err != nil {
		return err
	}
	if !alive(ns.PID, ns.DataDir) {
		return nil
	}
	url, _ := r.Endpoint(name)
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	if _, err := rpc.NewClient(url).Gate(ctx, deny); err != nil {
		return fmt.Errorf("node %s: gate: %w", name, err)
	}
	return nil
}
