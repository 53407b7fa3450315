package scenario

import (
	"path/filepath"
	"strings"
	"time"
)

// Defaults of a scenario; see configs/README.md.
const (
	DefaultDifficulty = 8
	DefaultBootstrap  = "bootstrap"
	DefaultRuntime    = "auto"
	DefaultWithin     = 60 * time.Second
	// DefaultPropagationBlocks is how many of the last blocks a
	// propagation assertion measures.
	DefaultPropagationBlocks = 20
	// MaxPeersLimit bounds network.target_peers and max_peers: more is
	// never useful in a devnet and only costs memory and neighbour entries.
	MaxPeersLimit = 1000
)

// SetDefaults fills what the file left out. It only fills; Validate judges.
func (c *Config) SetDefaults() {
	if c.Name == "" {
		base := filepath.Base(c.Pos.File)
		c.Name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	if c.Network.Rendezvous == "" {
		c.Network.Rendezvous = "devnet-" + c.Name
	}
	if c.Network.Difficulty == 0 {
		c.Network.Difficulty = DefaultDifficulty
	}
	if c.Bootstrap.Name == "" {
		c.Bootstrap.Name = DefaultBootstrap
	}
	if c.Runtime == "" {
		c.Runtime = DefaultRuntime
	}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if n.Minter != "" && !contains(n.Wallets, n.Minter) {
			n.Wallets = append(n.Wallets, n.Minter)
		}
	}
	if c.Chaos != nil {
		c.Chaos.setDefaults(len(c.ChainNodes()))
	}
	for i := range c.Steps {
		s := &c.Steps[i]
		if t, ok := s.Action.(interface{ targets() *Target }); ok && len(t.targets().Node) == 0 {
			if _, isConverged := s.Action.(*Converged); isConverged {
				t.targets().Node = Targets{All}
			}
		}
		if d, ok := s.Action.(interface{ deadline() *Deadline }); ok && d.deadline().Within == 0 {
			d.deadline().Within = Duration(DefaultWithin)
		}
		if m, ok := s.Action.(*Mint); ok && m.Blocks == 0 {
			m.Blocks = 1
		}
		if tp, ok := s.Action.(*Throughput); ok && len(tp.Node) == 0 {
			tp.Node = Targets{All}
		}
		if u, ok := s.Action.(*UTXO); ok && len(u.Node) == 0 {
			u.Node = Targets{All}
		}
		if p, ok := s.Action.(*Payments); ok && len(p.Node) == 0 {
			p.Node = Targets{All}
		}
		if p, ok := s.Action.(*Propagation); ok {
			if len(p.Node) == 0 {
				p.Node = Targets{All}
			}
			if p.Blocks == 0 {
				p.Blocks = DefaultPropagationBlocks
			}
		}
		if l, ok := s.Action.(*TxLoad); ok {
			if len(l.Node) == 0 {
				l.Node = Targets{All}
			}
			l.setDefaults()
		}
		if s.Name == "" {
			s.Name = s.describe()
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
