package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/internal/fanout"
)

// removeParallelism bounds concurrent container removals: enough to take a
// 50-node devnet down in a few seconds, without flooding the engine.
const removeParallelism = 8

// Down removes every container, network and volume of the devnet set up.
func (b *Backend) Down(ctx context.Context) error {
	b.mu.Lock()
	net := b.net
	b.mu.Unlock()
	if net == nil {
		return fmt.Errorf("docker: down: devnet not set up (use Remove with its name)")
	}
	return b.Remove(ctx, net.Name)
}

// Remove deletes everything labelled with the devnet's name: containers
// (killed), networks, volumes. It needs no local state, so it also cleans up
// after a crashed devnet. An empty name removes every devnet.
func (b *Backend) Remove(ctx context.Context, devnet string) error {
	n, err := RemoveLabelled(ctx, b.cli, devnet)
	if err != nil {
		return fmt.Errorf("docker: %w", err)
	}
	b.log.Info("removed", "devnet", describe(devnet), "containers", n)
	return nil
}

// RemoveLabelled deletes the containers (killed), networks and volumes
// labelled with the devnet's name (all devnets' for ""), and returns how
// many containers it removed. The swarm backend calls it once the
// devnet's services are gone.
func RemoveLabelled(ctx context.Context, c *client.Client, devnet string) (int, error) {
	f := LabelFilter(compose.LabelDevnet, devnet)
	var errs []error
	cs, err := c.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return 0, fmt.Errorf("down %s: list containers: %w", describe(devnet), err)
	}
	err = fanout.Each(cs.Items, removeParallelism, func(ct container.Summary) error {
		_, err := c.ContainerRemove(ctx, ct.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("container %s: %w", ct.Names, err)
		}
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	ns, err := c.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		errs = append(errs, fmt.Errorf("list networks: %w", err))
	} else {
		for _, n := range ns.Items {
			if _, err := c.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("network %s: %w", n.Name, err))
			}
		}
	}
	vs, err := c.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		errs = append(errs, fmt.Errorf("list volumes: %w", err))
	} else {
		for _, v := range vs.Items {
			if _, err := c.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("volume %s: %w", v.Name, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return 0, fmt.Errorf("down %s: %w", describe(devnet), err)
	}
	return len(cs.Items), nil
}

// Devnets lists the names of the devnets that have anything in the engine.
func (b *Backend) Devnets(ctx context.Context) ([]string, error) {
	seen, err := LabelledDevnets(ctx, b.cli)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// LabelledDevnets are the devnets that have containers, networks or
// volumes in the engine (the swarm backend adds its services').
func LabelledDevnets(ctx context.Context, c *client.Client) (map[string]bool, error) {
	f := LabelFilter(compose.LabelDevnet, "")
	seen := map[string]bool{}
	cs, err := c.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("docker: list containers: %w", err)
	}
	for _, c := range cs.Items {
		seen[c.Labels[compose.LabelDevnet]] = true
	}
	ns, err := c.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("docker: list networks: %w", err)
	}
	for _, n := range ns.Items {
		seen[n.Labels[compose.LabelDevnet]] = true
	}
	vs, err := c.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("docker: list volumes: %w", err)
	}
	for _, v := range vs.Items {
		seen[v.Labels[compose.LabelDevnet]] = true
	}
	return seen, nil
}

func describe(devnet string) string {
	if devnet == "" {
		return "all devnets"
	}
	return "devnet " + devnet
}
