package docker

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
)

// Devnet networks take free /24s in 10.77.1.0-10.77.254.0; 10.77.0.0/24 is
// compose.DefaultSubnet, left to compose files.
const subnetFirst, subnetLast = 1, 254

// ensureNetwork returns the subnet of the devnet network, creating the
// network in a free subnet if it does not exist.
func (b *Backend) ensureNetwork(ctx context.Context, devnet string) (netip.Prefix, error) {
	name := compose.NetworkName(devnet)
	res, err := b.cli.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
	switch {
	case err == nil:
		return devnetSubnet(res.Network, devnet)
	case !cerrdefs.IsNotFound(err):
		return netip.Prefix{}, fmt.Errorf("docker: network %s: %w", name, err)
	}
	return b.createNetwork(ctx, name, compose.NetworkLabels(devnet))
}

// devnetSubnet checks that n is devnet's network and returns its subnet.
func devnetSubnet(n network.Inspect, devnet string) (netip.Prefix, error) {
	if got := n.Labels[compose.LabelDevnet]; got != devnet {
		return netip.Prefix{}, fmt.Errorf("docker: network %s exists but is not devnet %s's (label %s=%q)", n.Name, devnet, compose.LabelDevnet, got)
	}
	for _, c := range n.IPAM.Config {
		if c.Subnet.Addr().Is4() {
			return c.Subnet, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("docker: network %s has no IPv4 subnet", n.Name)
}

// createNetwork creates a bridge network in the first /24 of 10.77.0.0/16
// that no docker network uses. Another devnet may take the same subnet
// between listing and creating; the engine then refuses the overlap and the
// next free subnet is tried.
func (b *Backend) createNetwork(ctx context.Context, name string, labels map[string]string) (netip.Prefix, error) {
	used, err := b.usedSubnets(ctx)
	if err != nil {
		return netip.Prefix{}, err
	}
	var lastErr error
	for i := subnetFirst; i <= subnetLast; i++ {
		subnet := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 77, byte(i), 0}), 24)
		if overlapsAny(subnet, used) {
			continue
		}
		gw := subnet.Addr().Next()
		_, err := b.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
			Driver: "bridge",
			Labels: labels,
			IPAM:   &network.IPAM{Config: []network.IPAMConfig{{Subnet: subnet, Gateway: gw}}},
		})
		if err == nil {
			b.log.Debug("network created", "network", name, "subnet", subnet)
			return subnet, nil
		}
		if !strings.Contains(err.Error(), "overlap") {
			return netip.Prefix{}, fmt.Errorf("docker: create network %s in %s: %w", name, subnet, err)
		}
		lastErr = err
	}
	return netip.Prefix{}, fmt.Errorf("docker: create network %s: no free /24 in 10.77.0.0/16 (last error: %v)", name, lastErr)
}

func (b *Backend) usedSubnets(ctx context.Context) ([]netip.Prefix, error) {
	res, err := b.cli.NetworkList(ctx, client.NetworkListOptions{})
	if err != nil {
		return nil, fmt.Errorf("docker: list networks: %w", err)
	}
	var used []netip.Prefix
	for _, n := range res.Items {
		for _, c := range n.IPAM.Config {
			if c.Subnet.IsValid() {
				used = append(used, c.Subnet)
			}
		}
	}
	// The compose default is kept for compose files even while unused.
	return append(used, compose.DefaultSubnet), nil
}

func overlapsAny(p netip.Prefix, used []netip.Prefix) bool {
	for _, u := range used {
		if p.Overlaps(u) {
			return true
		}
	}
	return false
}
