package scenario

import (
	"fmt"

	"github.com/devchain/devchain/devnet/runtime"
	"github.com/devchain/devchain/node/identity"
)

// IdentitySeed is node name's identity seed: "<seed>/<name>".
func (c *Config) IdentitySeed(name string) string { return c.Network.Seed + "/" + name }

// RuntimeNetwork describes the scenario's nodes to a runtime: the bootstrap first,
// then the chain nodes in file order. StateDir is left to the caller.
func (c *Config) RuntimeNetwork() (*runtime.Network, error) {
	net := &runtime.Network{
		Name:       c.Name,
		NetworkKey: identity.EncodeNetworkKey(identity.NetworkKeyFromSeed(c.Network.Seed)),
	}
	boot, err := c.node(c.Bootstrap.Name, runtime.RoleBootstrap, []string{"bootstrap"})
	if err != nil {
		return nil, err
	}
	net.Nodes = append(net.Nodes, boot)
	for _, n := range c.ChainNodes() {
		args := []string{"startp2p", "-rendezvous", c.Network.Rendezvous}
		if n.Spec.Minter != "" {
			args = append(args, "-minter", n.Spec.Minter)
			if n.Spec.MineInterval > 0 {
				args = append(args, "--mine-interval", n.Spec.MineInterval.String())
			}
		}
		node, err := c.node(n.Name, runtime.RoleNode, args)
		if err != nil {
			return nil, err
		}
		node.Bootstrap = []string{c.Bootstrap.Name}
		net.Nodes = append(net.Nodes, node)
	}
	return net, nil
}

func (c *Config) node(name string, role runtime.Role, args []string) (runtime.Node, error) {
	seed := c.IdentitySeed(name)
	id, err := identity.PeerIDFromSeed(seed)
	if err != nil {
		return runtime.Node{}, fmt.Errorf("node %s: identity: %w", name, err)
	}
	return runtime.Node{
		Name:         name,
		Role:         role,
		Args:         args,
		IdentitySeed: seed,
		PeerID:       id.String(),
		Difficulty:   c.Network.Difficulty,
	}, nil
}
