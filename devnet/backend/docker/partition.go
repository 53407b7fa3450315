package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/backend/docker/netcut"
)

// Partitions keep every address. Docker refuses two networks with the same
// subnet, so a side moved to a network of its own would get new addresses,
// and its nodes, which know each other (and the bootstrap) by the old ones,
// could not find each other again. Instead the cut is made inside each
// node's network namespace by the netcut helper: routes that make the
// other sides' addresses unreachable, in both directions. Nodes in no side
// keep reaching everyone. Established connections are not reset, but no
// packet crosses the cut, and they carry traffic again after Heal. The
// helper is a static binary in an image of its own, run once per
// Partition, Heal, or Start of a cut node, as a container with SYS_ADMIN
// and NET_ADMIN in the host PID namespace (to enter the nodes' network
// namespaces; Privileged would ask for capabilities that engines running
// in containers often lack).
//
// The partition is recorded in the labels of an empty volume, so a node
// started during a partition (a new network namespace, without routes) is
// cut again, about a second after it starts; Heal works from another devnet
// process; Down removes the record with the rest.

const (
	labelPartition = "devchain.partition" // on the record volume: the sides, JSON
	netcutRepo     = "devchain/netcut"
)

func partitionVolume(devnet string) string { return "devchain-" + devnet + "-partition" }

// Partition cuts traffic between the sides (node names); it replaces an
// earlier partition.
func (b *Backend) Partition(ctx context.Context, sides [][]string) error {
	layout, err := b.devnetLayout()
	if err != nil {
		return fmt.Errorf("docker: partition: %w", err)
	}
	seen := map[string]int{}
	for k, side := range sides {
		for _, name := range side {
			if _, err := layout.Service(name); err != nil {
				return fmt.Errorf("docker: partition: %w", err)
			}
			if prev, ok := seen[name]; ok && prev != k {
				return fmt.Errorf("docker: partition: node %s is in sides %d and %d", name, prev+1, k+1)
			}
			seen[name] = k
		}
	}
	raw, err := json.Marshal(sides)
	if err != nil {
		return err
	}
	if err := b.removeRecord(ctx, layout.Devnet); err != nil {
		return err
	}
	labels := compose.NetworkLabels(layout.Devnet)
	labels[labelPartition] = string(raw)
	if _, err := b.cli.VolumeCreate(ctx, client.VolumeCreateOptions{Name: partitionVolume(layout.Devnet), Labels: labels}); err != nil {
		return fmt.Errorf("docker: partition: record: %w", err)
	}
	if err := b.cut(ctx, layout, sides, nil); err != nil {
		return err
	}
	b.log.Info("partitioned", "devnet", layout.Devnet, "sides", sides)
	return nil
}

// Heal removes every cut and the partition record.
func (b *Backend) Heal(ctx context.Context) error {
	layout, err := b.devnetLayout()
	if err != nil {
		return fmt.Errorf("docker: heal: %w", err)
	}
	sides, err := b.partition(ctx, layout.Devnet)
	if err != nil || sides == nil {
		return err
	}
	if err := b.cut(ctx, layout, nil, nil); err != nil {
		return err
	}
	if err := b.removeRecord(ctx, layout.Devnet); err != nil {
		return err
	}
	b.log.Info("healed", "devnet", layout.Devnet)
	return nil
}

// recut applies the recorded partition to one node just started.
func (b *Backend) recut(ctx context.Context, name string) error {
	layout, err := b.devnetLayout()
	if err != nil {
		return err
	}
	sides, err := b.partition(ctx, layout.Devnet)
	if err != nil || sides == nil {
		return err
	}
	return b.cut(ctx, layout, sides, []string{name})
}

// cut sets the routes of the running (or paused) nodes, all of them or
// only those named: each node of a side blocks the nodes of the other sides;
// every other node blocks nothing.
func (b *Backend) cut(ctx context.Context, layout *compose.Layout, sides [][]string, only []string) error {
	sideOf := map[string]int{}
	for k, side := range sides {
		for _, n := range side {
			sideOf[n] = k
		}
	}
	all := make([]netip.Addr, len(layout.Services))
	for i, s := range layout.Services {
		all[i] = s.IP
	}
	var targets []netcut.Target
	for i := range layout.Services {
		s := &layout.Services[i]
		if only != nil && !slices.Contains(only, s.Node.Name) {
			continue
		}
		pid, err := b.pid(ctx, s)
		if err != nil {
			return err
		}
		if pid == 0 {
			continue // a node that does not run is cut when it starts
		}
		t := netcut.Target{PID: pid}
		if k, inSide := sideOf[s.Node.Name]; inSide {
			for j, o := range layout.Services {
				if ok, ko := sideOf[o.Node.Name]; ko && ok != k {
					t.Block = append(t.Block, layout.Services[j].IP)
				}
			}
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 {
		return nil
	}
	image, err := b.helperImage(ctx)
	if err != nil {
		return err
	}
	out, err := runContainer(ctx, b.cli,
		&container.Config{
			Image:  image,
			Cmd:    netcut.Args(all, targets),
			Labels: map[string]string{compose.LabelDevnet: layout.Devnet, compose.LabelExec: "netcut"},
		},
		&container.HostConfig{
			NetworkMode: "none",
			PidMode:     "host",
			CapAdd:      []string{"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE"},
		}, b.log)
	if err != nil {
		return fmt.Errorf("docker: partition helper on devnet %s: %w", layout.Devnet, err)
	}
	if !strings.HasPrefix(out, netcut.OK) {
		return fmt.Errorf("docker: partition helper on devnet %s: unexpected output %q (is %s the netcut helper?)", layout.Devnet, out, b.opts.Netcut)
	}
	return nil
}

// pid is the host PID of the node's running or paused container, 0 if it
// does not run.
func (b *Backend) pid(ctx context.Context, s *compose.Service) (int, error) {
	res, err := b.cli.ContainerInspect(ctx, s.Container, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("docker: inspect node %s: %w", s.Node.Name, err)
	}
	if st := res.Container.State; st != nil && (st.Running || st.Paused) {
		return st.Pid, nil
	}
	return 0, nil
}

// partition reads the recorded sides; nil without a partition.
func (b *Backend) partition(ctx context.Context, devnet string) ([][]string, error) {
	res, err := b.cli.VolumeInspect(ctx, partitionVolume(devnet), client.VolumeInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("docker: partition record of %s: %w", devnet, err)
	}
	var sides [][]string
	if err := json.Unmarshal([]byte(res.Volume.Labels[labelPartition]), &sides); err != nil {
		return nil, fmt.Errorf("docker: partition record of %s: %w", devnet, err)
	}
	return sides, nil
}

func (b *Backend) removeRecord(ctx context.Context, devnet string) error {
	_, err := b.cli.VolumeRemove(ctx, partitionVolume(devnet), client.VolumeRemoveOptions{Force: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("docker: partition record of %s: %w", devnet, err)
	}
	return nil
}

// helperImage builds (once, then by content hash) the netcut image.
func (b *Backend) helperImage(ctx context.Context) (string, error) {
	b.mu.Lock()
	image := b.helper
	b.mu.Unlock()
	if image != "" {
		return image, nil
	}
	path, err := backend.HelperBinary(b.opts.Netcut, "devnet-netcut")
	if err != nil {
		return "", fmt.Errorf("docker: partition helper: %w", err)
	}
	image, err = EnsureHelperImage(ctx, b.cli, path, netcutRepo, b.log)
	if err != nil {
		return "", fmt.Errorf("%w (partitions need the netcut helper: `make image` builds bin/devnet-netcut)", err)
	}
	b.mu.Lock()
	b.helper = image
	b.mu.Unlock()
	return image, nil
}

// devnetLayout is the layout set by Setup or Attach.
func (b *Backend) devnetLayout() (*compose.Layout, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.layout == nil {
		return nil, fmt.Errorf("devnet not set up")
	}
	return b.layout, nil
}
