package scenario

import (
	"fmt"

	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/node/identity"
)

// IdentitySeed is node name's identity seed: "<seed>/<name>", with the
// devnet's name for a scenario without a seed. Only the network key depends
// on whether the seed was written, so peer IDs are the same either way.
func (c *Config) IdentitySeed(name string) string {
	seed := c.Network.Seed
	if seed == "" {
		seed = c.Name
	}
	return seed + "/" + name
}

// Spec describes the scenario's nodes to a backend: the bootstrap first,
// then the chain nodes in file order. Without a seed the network needs a
// key (spec.Network.NeedsKey) that Spec does not make: whoever launches it
// keeps one (the runner in the devnet's state dir, `devnet compose` beside
// its output).
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
		if c.Network.Links != nil {
			node.Links = c.Network.Links.Rule()
		}
		node.Minter = n.Spec.Minter
		if n.Spec.Minter != "" {
			node.MineInterval = n.Spec.MineInterval.D()
			node.MineIntervalOnly = n.Spec.MineIntervalOnly
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
		// Without a written seed: "", so the node takes the devnet's
		// random key from a file (spec.Network.NeedsKey).
		NetworkSeed: c.Network.Seed,
	}, nil
}
