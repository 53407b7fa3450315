package swarm

import (
	"context"
	"encoding/json"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/backend"
)

// A partition is cut by the nodes' own connection gates
// (backend.GatePartition): the swarm's network cannot be cut per node on
// another host, while a gate works wherever the node runs. The sides are
// recorded in a swarm config of the devnet (partitionConfig), so a node
// started while they hold is gated again, by any devnet invocation.

// partitionConfig names the config holding the partition in force.
func partitionConfig(devnet string) string { return "devchain-" + devnet + "-partition" }

// Partition records sides and gates every running node of them.
func (b *Backend) Partition(ctx context.Context, sides [][]string) error {
	b.mu.Lock()
	net := b.net
	b.mu.Unlock()
	if net == nil {
		return fmt.Errorf("swarm: partition: devnet not set up")
	}
	for _, side := range sides {
		for _, name := range side {
			if _, err := b.service(name); err != nil {
				return fmt.Errorf("swarm: partition: %w", err)
			}
		}
	}
	if err := b.recordPartition(ctx, sides); err != nil {
		return err
	}
	return backend.GatePartition(ctx, b, net, sides, b.running(ctx))
}

// Heal opens the gates the partition in force closed and drops its record.
func (b *Backend) Heal(ctx context.Context) error {
	sides, err := b.partition(ctx)
	if err != nil {
		return err
	}
	if err := b.recordPartition(ctx, nil); err != nil {
		return err
	}
	return backend.GateHeal(ctx, b, sides, b.running(ctx))
}

// regate gates a node that just started while a partition holds.
func (b *Backend) regate(ctx context.Context, name string) error {
	sides, err := b.partition(ctx)
	if err != nil || sides == nil {
		return err
	}
	b.mu.Lock()
	net := b.net
	b.mu.Unlock()
	return backend.GateNode(ctx, b, net, sides, name)
}

// running tells whether a node's service has a running task.
func (b *Backend) running(ctx context.Context) func(string) (bool, error) {
	return func(name string) (bool, error) {
		s, err := b.service(name)
		if err != nil {
			return false, err
		}
		t, err := b.runningTask(ctx, s)
		return t != nil, err
	}
}

// partition reads the sides in force, nil without a partition.
func (b *Backend) partition(ctx context.Context) ([][]string, error) {
	name := partitionConfig(b.devnet())
	res, err := b.cli.ConfigInspect(ctx, name, client.ConfigInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("swarm: partition record %s: %w", name, err)
	}
	var sides [][]string
	if err := json.Unmarshal(res.Config.Spec.Data, &sides); err != nil {
		return nil, fmt.Errorf("swarm: partition record %s: %w", name, err)
	}
	return sides, nil
}

// recordPartition replaces the record with sides (nil: none).
func (b *Backend) recordPartition(ctx context.Context, sides [][]string) error {
	devnet := b.devnet()
	name := partitionConfig(devnet)
	if _, err := b.cli.ConfigRemove(ctx, name, client.ConfigRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("swarm: partition record %s: %w", name, err)
	}
	if sides == nil {
		return nil
	}
	data, err := json.Marshal(sides)
	if err != nil {
		return err
	}
	if _, err := b.cli.ConfigCreate(ctx, client.ConfigCreateOptions{Spec: swarm.ConfigSpec{
		Annotations: swarm.Annotations{Name: name, Labels: compose.NetworkLabels(devnet)},
		Data:        data,
	}}); err != nil {
		return fmt.Errorf("swarm: partition record %s: %w", name, err)
	}
	return nil
}

func (b *Backend) devnet() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.net == nil {
		return ""
	}
	return b.net.Name
}
