package scenario

import (
	"gopkg.in/yaml.v3"

	"github.com/devchain/devchain/node/shaping"
)

// LinkSpec is the conditions of a link, in node/shaping's units: delay and
// jitter one way ("100ms"), bandwidth in bits per second ("1mbit"), loss of
// gossip as a percentage ("5%").
type LinkSpec struct {
	Pos       Pos       `yaml:"-"`
	Delay     Duration  `yaml:"delay"`
	Jitter    Duration  `yaml:"jitter"`
	Bandwidth Bandwidth `yaml:"bandwidth"`
	Loss      Loss      `yaml:"loss"`
}

// Rule is the node's rule for l.
func (l *LinkSpec) Rule() shaping.Rule {
	return shaping.Rule{Delay: l.Delay.D(), Jitter: l.Jitter.D(), Bandwidth: int64(l.Bandwidth), Loss: float64(l.Loss)}
}

// Bandwidth is bits per second, written "512kbit", "1mbit", "1gbit".
type Bandwidth int64

// Loss is a share from 0 to 1, written as a percentage: "5%".
type Loss float64

func (b *Bandwidth) decodeYAML(d *decoder, n *yaml.Node, path string) error {
	if n.Kind != yaml.ScalarNode {
		return d.errf(n, "%s: want a bandwidth like 1mbit, got %s", name(path), describe(n))
	}
	v, err := shaping.ParseBandwidth(n.Value)
	if err != nil {
		return d.errf(n, "%s: %v", name(path), err)
	}
	*b = Bandwidth(v)
	return nil
}

func (l *Loss) decodeYAML(d *decoder, n *yaml.Node, path string) error {
	if n.Kind != yaml.ScalarNode {
		return d.errf(n, "%s: want a percentage like 5%%, got %s", name(path), describe(n))
	}
	v, err := shaping.ParseLoss(n.Value)
	if err != nil {
		return d.errf(n, "%s: %v", name(path), err)
	}
	*l = Loss(v)
	return nil
}

// Shape sets link conditions between every two chain nodes in different
// sets of Between, both ways (so a 100ms delay makes a 200ms round trip).
// A node in two sets (`[[miner], all]`) is not shaped to itself.
type Shape struct {
	Between  []Targets `yaml:"between"`
	LinkSpec `yaml:",inline"`
}

// Unshape takes what shape steps set off the links between the sets of
// Between, or off every link without Between; network.links stays.
type Unshape struct {
	Between []Targets `yaml:"between"`
}

// LinkPairs are the ordered pairs of distinct chain nodes in different
// sets of between: each pair (a, b) is a's traffic to b.
func (c *Config) LinkPairs(between []Targets) [][2]string {
	sets := make([][]string, len(between))
	for i, t := range between {
		sets[i] = c.Resolve(t)
	}
	seen := map[[2]string]bool{}
	var out [][2]string
	for i := range sets {
		for j := range sets {
			if i == j {
				continue
			}
			for _, a := range sets[i] {
				for _, b := range sets[j] {
					if p := [2]string{a, b}; a != b && !seen[p] {
						seen[p] = true
						out = append(out, p)
					}
				}
			}
		}
	}
	return out
}

// validateLinks checks a shape or unshape step's sets: at least two, of
// chain nodes (the bootstrap carries no chain traffic to shape).
func (x *nameIndex) validateLinks(bad func(string, ...any), between []Targets) {
	if len(between) < 2 {
		bad("between: want at least two sets of nodes, e.g. [[miner], all], got %d", len(between))
	}
	for _, set := range between {
		x.validateTargets(bad, set, false)
	}
}

// validateRule checks the conditions of a shape step or network.links.
func validateRule(bad func(string, ...any), l *LinkSpec) {
	r := l.Rule()
	if r.IsZero() {
		bad("no condition: give delay, jitter, bandwidth or loss (unshape takes conditions off)")
		return
	}
	if err := r.Validate(); err != nil {
		bad("%v", err)
	}
}
