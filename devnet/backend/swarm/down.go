package swarm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/backend/docker"
	"github.com/devchain/devchain/internal/fanout"
)

// removeParallelism bounds concurrent service removals, as docker's.
const removeParallelism = 8

// goneTimeout bounds the wait for the swarm to remove the containers of
// removed services; the network and volumes they hold go after them.
const goneTimeout = 60 * time.Second

// Down removes every service, secret, config, network and volume of the
// devnet set up.
func (b *Backend) Down(ctx context.Context) error {
	devnet := b.devnet()
	if devnet == "" {
		return fmt.Errorf("swarm: down: devnet not set up (use Remove with its name)")
	}
	return b.Remove(ctx, devnet)
}

// Remove deletes everything labelled with the devnet's name, from labels
// alone (so also after a crash): its node services first (the swarm then
// stops and removes their containers), then each other swarm node's
// volumes of the devnet through its agent there (this engine reaches only
// its own host's), the agents, secrets and configs, and, once the task containers
// are gone, what docker removes by label here (one-off containers, the
// network, the volumes). An agent's failure is reported with the rest and
// stops nothing. An empty name removes every devnet.
func (b *Backend) Remove(ctx context.Context, devnet string) error {
	f := docker.LabelFilter(compose.LabelDevnet, devnet)
	var errs []error
	svcs, err := b.cli.ServiceList(ctx, client.ServiceListOptions{Filters: f})
	if err != nil {
		return fmt.Errorf("swarm: down %s: list services: %w", describe(devnet), err)
	}
	var nodes, agents []swarm.Service
	for _, s := range svcs.Items {
		if isAgent(&s) {
			agents = append(agents, s)
		} else {
			nodes = append(nodes, s)
		}
	}
	removeServices := func(svcs []swarm.Service) error {
		return fanout.Each(svcs, removeParallelism, func(s swarm.Service) error {
			if _, err := b.cli.ServiceRemove(ctx, s.ID, client.ServiceRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
				return fmt.Errorf("service %s: %w", s.Spec.Name, err)
			}
			return nil
		})
	}
	errs = append(errs, removeServices(nodes))
	errs = append(errs, b.removeVolumesEverywhere(ctx, agents))
	errs = append(errs, removeServices(agents))
	secrets, err := b.cli.SecretList(ctx, client.SecretListOptions{Filters: f})
	if err != nil {
		errs = append(errs, fmt.Errorf("list secrets: %w", err))
	} else {
		for _, s := range secrets.Items {
			if _, err := b.cli.SecretRemove(ctx, s.ID, client.SecretRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("secret %s: %w", s.Spec.Name, err))
			}
		}
	}
	configs, err := b.cli.ConfigList(ctx, client.ConfigListOptions{Filters: f})
	if err != nil {
		errs = append(errs, fmt.Errorf("list configs: %w", err))
	} else {
		for _, c := range configs.Items {
			if _, err := b.cli.ConfigRemove(ctx, c.ID, client.ConfigRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("config %s: %w", c.Spec.Name, err))
			}
		}
	}
	errs = append(errs, b.removeLabelled(ctx, devnet))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("swarm: down %s: %w", describe(devnet), err)
	}
	b.log.Info("removed", "devnet", describe(devnet), "services", len(svcs.Items))
	return nil
}

// removeLabelled waits for the swarm to remove the removed services' task
// containers, then removes the rest by label; the overlay network refuses
// removal while the swarm still detaches a task from it, so that is tried
// again until goneTimeout.
func (b *Backend) removeLabelled(ctx context.Context, devnet string) error {
	deadline := time.Now().Add(goneTimeout)
	tasks := docker.LabelFilter(compose.LabelDevnet, devnet).Add("label", "com.docker.swarm.service.id")
	for {
		cs, err := b.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: tasks})
		if err != nil {
			return fmt.Errorf("list task containers: %w", err)
		}
		if len(cs.Items) == 0 || time.Now().After(deadline) {
			break
		}
		if err := sleep(ctx, pollEvery); err != nil {
			return err
		}
	}
	for {
		_, err := docker.RemoveLabelled(ctx, b.cli, devnet)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}

// Devnets lists the devnets that have services, secrets, configs,
// containers, networks or volumes in the engine.
func (b *Backend) Devnets(ctx context.Context) ([]string, error) {
	seen, err := docker.LabelledDevnets(ctx, b.cli)
	if err != nil {
		return nil, fmt.Errorf("swarm: %w", err)
	}
	f := docker.LabelFilter(compose.LabelDevnet, "")
	svcs, err := b.cli.ServiceList(ctx, client.ServiceListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("swarm: list services: %w", err)
	}
	for _, s := range svcs.Items {
		seen[s.Spec.Labels[compose.LabelDevnet]] = true
	}
	secrets, err := b.cli.SecretList(ctx, client.SecretListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("swarm: list secrets: %w", err)
	}
	for _, s := range secrets.Items {
		seen[s.Spec.Labels[compose.LabelDevnet]] = true
	}
	configs, err := b.cli.ConfigList(ctx, client.ConfigListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("swarm: list configs: %w", err)
	}
	for _, c := range configs.Items {
		seen[c.Spec.Labels[compose.LabelDevnet]] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

func describe(devnet string) string {
	if devnet == "" {
		return "all devnets"
	}
	return "devnet " + devnet
}
