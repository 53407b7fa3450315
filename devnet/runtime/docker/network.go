package docker

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/runtime"
)

// labelPartition marks a partition network with the index of its side.
const labelPartition = "devchain.partition"

// Devnet networks take free /24s in 10.77.1.0-10.77.254.0; 10.77.0.0/24 is
// compose.DefaultSubnet, left to compose files.
const subnetFirst, subnetLast = 1, 254

// ensureNetwork returns the subnet of the devnet network, creating the
// network in a free subnet if it does not exist.
func (r *Runtime) ensureNetwork(ctx context.Context, devnet string) (netip.Prefix, error) {
	name := compose.NetworkName(devnet)
	res, err := r.cli.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
	switch {
	case err == nil:
		return devnetSubnet(res.Network, devnet)
	case !cerrdefs.IsNotFound(err):
		return netip.Prefix{}, fmt.Errorf("docker: network %s: %w", name, err)
	}
	return r.createNetwork(ctx, name, compose.NetworkLabels(devnet))
}

// devnetSubnet checks that n is devnet's network and returns its subnet.
func devnetSubnet(n network.Inspect, devnet string) (netip.Prefix, error) {
	if got := n.Labels[runtime.LabelDevnet]; got != devnet {
		return netip.Prefix{}, fmt.Errorf("docker: network %s exists but is not devnet %s's (label %s=%q)", n.Name, devnet, runtime.LabelDevnet, got)
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
func (r *Runtime) createNetwork(ctx context.Context, name string, labels map[string]string) (netip.Prefix, error) {
	used, err := r.usedSubnets(ctx)
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
		_, err := r.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
			Driver: "bridge",
			Labels: labels,
			IPAM:   &network.IPAM{Config: []network.IPAMConfig{{Subnet: subnet, Gateway: gw}}},
		})
		if err == nil {
			r.log.Debug("network created", "network", name, "subnet", subnet)
			return subnet, nil
		}
		if !strings.Contains(err.Error(), "overlap") {
			return netip.Prefix{}, fmt.Errorf("docker: create network %s in %s: %w", name, subnet, err)
		}
		lastErr = err
	}
	return netip.Prefix{}, fmt.Errorf("docker: create network %s: no free /24 in 10.77.0.0/16 (last error: %v)", name, lastErr)
}

func (r *Runtime) usedSubnets(ctx context.Context) ([]netip.Prefix, error) {
	res, err := r.cli.NetworkList(ctx, client.NetworkListOptions{})
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

// Partition cuts traffic between the sides with networks, not with rules
// inside the containers (the image has no tools, and no capability for
// them). Docker refuses two networks with the same subnet, so a node can
// only keep its address on the devnet network. The side holding a bootstrap
// node (else the first side) stays there with its addresses; every other
// side is moved to a network of its own, where each node gets the same host
// number in that network's subnet. Nodes in no side stay on the devnet
// network and are also attached to every side network. Containers of
// different bridge networks cannot reach each other, so the cut is real, and
// existing connections across it die. Heal moves every node back to its own
// address, so multiaddrs and peer databases are right again afterwards.
//
// Weakness: nodes of a moved side know each other by their devnet-network
// addresses, which do not answer during the partition; they reconnect
// inside their side only through addresses learnt from libp2p identify.
// Endpoint follows the move, so devnet still reaches every node's RPC.
func (r *Runtime) Partition(ctx context.Context, sides [][]string) error {
	r.mu.Lock()
	layout := r.layout
	r.mu.Unlock()
	if layout == nil {
		return fmt.Errorf("docker: partition: devnet not set up")
	}
	sideOf := map[string]int{}
	anchor := -1
	for k, side := range sides {
		for _, name := range side {
			s, err := layout.Service(name)
			if err != nil {
				return fmt.Errorf("docker: partition: %w", err)
			}
			if prev, ok := sideOf[name]; ok && prev != k {
				return fmt.Errorf("docker: partition: node %s is in sides %d and %d", name, prev+1, k+1)
			}
			sideOf[name] = k
			if anchor < 0 && s.Node.Role == runtime.RoleBootstrap {
				anchor = k
			}
		}
	}
	if anchor < 0 {
		anchor = 0
	}
	if err := r.Heal(ctx); err != nil {
		return err
	}
	var sideNets []string
	var sideSubnets []netip.Prefix
	for k := range sides {
		if k == anchor {
			continue
		}
		name := layout.Network + "-part" + strconv.Itoa(k+1)
		subnet, err := r.createNetwork(ctx, name, map[string]string{
			runtime.LabelDevnet: layout.Devnet,
			labelPartition:      strconv.Itoa(k + 1),
		})
		if err != nil {
			return err
		}
		sideNets, sideSubnets = append(sideNets, name), append(sideSubnets, subnet)
		for _, node := range sides[k] {
			s, _ := layout.Service(node)
			ip, err := r.attach(ctx, s, name, subnet)
			if err != nil {
				return err
			}
			if _, err := r.cli.NetworkDisconnect(ctx, layout.Network, client.NetworkDisconnectOptions{Container: s.Container, Force: true}); err != nil {
				return fmt.Errorf("docker: partition: disconnect %s from %s: %w", node, layout.Network, err)
			}
			r.setCurrent(node, ip)
		}
	}
	for i := range layout.Services {
		s := &layout.Services[i]
		if _, inSide := sideOf[s.Node.Name]; inSide {
			continue
		}
		for j, name := range sideNets {
			if _, err := r.attach(ctx, s, name, sideSubnets[j]); err != nil {
				return err
			}
		}
	}
	r.log.Info("partitioned", "devnet", layout.Devnet, "sides", sides, "stays", anchor+1)
	return nil
}

// attach connects the node's container (created if it does not exist yet)
// to a network at its host number there.
func (r *Runtime) attach(ctx context.Context, s *compose.Service, netName string, subnet netip.Prefix) (netip.Addr, error) {
	ip, err := compose.HostAddr(subnet, s.Host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("docker: node %s on %s: %w", s.Node.Name, netName, err)
	}
	if _, err := r.ensureContainer(ctx, s); err != nil {
		return netip.Addr{}, err
	}
	_, err = r.cli.NetworkConnect(ctx, netName, client.NetworkConnectOptions{
		Container:      s.Container,
		EndpointConfig: &network.EndpointSettings{IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: ip}},
	})
	if err != nil {
		return netip.Addr{}, fmt.Errorf("docker: connect node %s to %s at %s: %w", s.Node.Name, netName, ip, err)
	}
	return ip, nil
}

// Heal puts every node back on the devnet network at its own address and
// removes the partition networks. It works from the engine's state, so it
// also heals a partition left by another devnet process.
func (r *Runtime) Heal(ctx context.Context) error {
	r.mu.Lock()
	layout := r.layout
	r.mu.Unlock()
	if layout == nil {
		return fmt.Errorf("docker: heal: devnet not set up")
	}
	parts, err := r.partitionNetworks(ctx, layout.Devnet)
	if err != nil {
		return err
	}
	for i := range layout.Services {
		s := &layout.Services[i]
		if len(parts) == 0 {
			r.setCurrent(s.Node.Name, s.IP)
			continue
		}
		nets, err := r.containerNetworks(ctx, s.Container)
		if err != nil {
			return err
		}
		if nets == nil {
			r.setCurrent(s.Node.Name, s.IP)
			continue // not created: nothing to move
		}
		if _, ok := nets[layout.Network]; !ok {
			if _, err := r.attach(ctx, s, layout.Network, layout.Subnet); err != nil {
				return fmt.Errorf("docker: heal: %w", err)
			}
		}
		for name := range nets {
			if _, isPart := parts[name]; !isPart {
				continue
			}
			if _, err := r.cli.NetworkDisconnect(ctx, name, client.NetworkDisconnectOptions{Container: s.Container, Force: true}); err != nil {
				return fmt.Errorf("docker: heal: disconnect %s from %s: %w", s.Node.Name, name, err)
			}
		}
		r.setCurrent(s.Node.Name, s.IP)
	}
	for name := range parts {
		if _, err := r.cli.NetworkRemove(ctx, name, client.NetworkRemoveOptions{}); err != nil {
			return fmt.Errorf("docker: heal: remove network %s: %w", name, err)
		}
	}
	if len(parts) > 0 {
		r.log.Info("healed", "devnet", layout.Devnet)
	}
	return nil
}

func (r *Runtime) setCurrent(node string, ip netip.Addr) {
	r.mu.Lock()
	r.current[node] = ip
	r.mu.Unlock()
}

// partitionNetworks are the devnet's partition networks, by name.
func (r *Runtime) partitionNetworks(ctx context.Context, devnet string) (map[string]bool, error) {
	f := labelFilter(runtime.LabelDevnet, devnet).Add("label", labelPartition)
	res, err := r.cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("docker: list partition networks of %s: %w", devnet, err)
	}
	parts := make(map[string]bool, len(res.Items))
	for _, n := range res.Items {
		parts[n.Name] = true
	}
	return parts, nil
}

// containerNetworks maps the networks a container is attached to (running
// or not) to its configured or current address there; nil if the container
// does not exist.
func (r *Runtime) containerNetworks(ctx context.Context, container string) (map[string]netip.Addr, error) {
	res, err := r.cli.ContainerInspect(ctx, container, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("docker: inspect %s: %w", container, err)
	}
	nets := map[string]netip.Addr{}
	if ns := res.Container.NetworkSettings; ns != nil {
		for name, ep := range ns.Networks {
			var ip netip.Addr
			if ep != nil {
				ip = ep.IPAddress
				if ep.IPAMConfig != nil && ep.IPAMConfig.IPv4Address.IsValid() {
					ip = ep.IPAMConfig.IPv4Address
				}
			}
			nets[name] = ip
		}
	}
	return nets, nil
}

// loadPartition reads a partition left in the engine into r.current.
func (r *Runtime) loadPartition(ctx context.Context) error {
	r.mu.Lock()
	layout := r.layout
	r.mu.Unlock()
	parts, err := r.partitionNetworks(ctx, layout.Devnet)
	if err != nil || len(parts) == 0 {
		return err
	}
	for i := range layout.Services {
		s := &layout.Services[i]
		nets, err := r.containerNetworks(ctx, s.Container)
		if err != nil {
			return err
		}
		if _, onMain := nets[layout.Network]; onMain {
			continue
		}
		for name, ip := range nets {
			if parts[name] && ip.IsValid() {
				r.setCurrent(s.Node.Name, ip)
			}
		}
	}
	return nil
}
