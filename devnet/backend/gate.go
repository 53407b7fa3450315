package backend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/devchain/devchain/devnet/spec"
)

// gateTimeout bounds one call to a node's gate.
const gateTimeout = 5 * time.Second

// Partitions through the nodes' own connection gate (POST /admin/gate): each
// node of a side refuses the peer IDs of the other sides. It needs nothing
// from the network between the nodes, so it works where the network cannot
// be cut per node: processes on one loopback, Swarm tasks on several hosts.
// The backend records the sides, and re-applies them (GateNode) to a node
// that starts while they hold.

// GatePartition gates every node of sides for which running says it runs
// (a stopped node gets its gate when it starts).
func GatePartition(ctx context.Context, be Backend, net *spec.Network, sides [][]string, running func(name string) (bool, error)) error {
	var errs []error
	for _, name := range slices.Concat(sides...) {
		if up, err := running(name); err != nil || up {
			errs = append(errs, err, GateNode(ctx, be, net, sides, name))
		}
	}
	return errors.Join(errs...)
}

// GateHeal opens the gate of every running node of sides (the partition
// that held).
func GateHeal(ctx context.Context, be Backend, sides [][]string, running func(name string) (bool, error)) error {
	var errs []error
	for _, name := range slices.Concat(sides...) {
		if up, err := running(name); err != nil || up {
			errs = append(errs, err, setGate(ctx, be, name, []string{}))
		}
	}
	return errors.Join(errs...)
}

// GateNode applies sides to the running node name: it denies every node of
// the other sides. A node in no side is left alone.
func GateNode(ctx context.Context, be Backend, net *spec.Network, sides [][]string, name string) error {
	var deny []string
	in := false
	for _, side := range sides {
		if slices.Contains(side, name) {
			in = true
			continue
		}
		for _, other := range side {
			n, ok := net.Node(other)
			if !ok {
				return fmt.Errorf("partition: devnet %s has no node %q", net.Name, other)
			}
			deny = append(deny, n.PeerID)
		}
	}
	if !in {
		return nil
	}
	return setGate(ctx, be, name, deny)
}

func setGate(ctx context.Context, be Backend, name string, deny []string) error {
	c, err := Client(be, name)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, gateTimeout)
	defer cancel()
	if _, err := c.Gate(ctx, deny); err != nil {
		return fmt.Errorf("node %s: gate: %w", name, err)
	}
	return nil
}
