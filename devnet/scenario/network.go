package scenario

import (
	"fmt"

	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/node/identity"
)

// IdentitySeed is node name's identity seed: "<seed>/<name>".
func (c *Config) IdentitySeed(name string) string { return c.Network.Seed + "/" + name }

// Spec describes the scenario's nodes to a backend: the bootstrap first,
// then the chain nodes in file order.
func (c *Config) Spec() (*spec.Network, error) {
	net := &spec.Network{Name: c.Name}
	boot, err := c.node(c.Bootstrap.Name, spec.RoleBootstrap)
	if err != nil {
		return nil, err
	}
	net.Nodes = append(net.Nodes, boot)
	for _, n := range c.ChainNodes() {
		node, err := c.node(n.Name, spec.RoleNode)
		if err != nil {
			return nil, err
		}
		node.Bootstrap = []string{c.Bootstrap.Name}
		node.Rendezvous = c.Network.Rendezvous
		node.TargetPeers, node.MaxPeers = c.Network.TargetPeers, c.Network.MaxPeers
		node.Minter = n.Spec.Minter
		if n.Spec.Minter != "" {
			node.MineInterval = n.Spec.MineInterval.D()
		}
		net.Nodes = append(net.Nodes, node)
	}
	return net, nil
}

func (c *Config) node(name string, role spec.Role) (spec.Node, error) {
	seed := c.IdentitySeed(name)
	id, err := identity.PeerIDFromSeed(seed)
	if err != nil {
		return spec.Node{}, fmt.Errorf("node %s: identity: %w", name, err)
	}
	return spec.Node{
		Name:         name,
		Role:         role,
		IdentitySeed: seed,
		PeerID:       id.String(),
		Difficulty:   c.Network.Difficulty,
		NetworkSeed:  c.Network.Seed,
	}, nil
}
