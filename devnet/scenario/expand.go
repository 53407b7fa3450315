package scenario

import "fmt"

// Node is one chain node after group expansion.
type Node struct {
	Name  string
	Group string // the group it came from, "" for a single node
	Spec  *NodeSpec
}

// ChainNodes expands groups: a group `peer` with count 3 gives peer-1..peer-3.
func (c *Config) ChainNodes() []Node {
	var out []Node
	for i := range c.Nodes {
		spec := &c.Nodes[i]
		if !spec.IsGroup() {
			out = append(out, Node{Name: spec.Name, Spec: spec})
			continue
		}
		for k := 1; k <= *spec.Count; k++ {
			out = append(out, Node{Name: fmt.Sprintf("%s-%d", spec.Name, k), Group: spec.Name, Spec: spec})
		}
	}
	return out
}

// Resolve turns targets into node names in file order, without duplicates:
// "all" is every chain node, a group name its members, the bootstrap's name
// the bootstrap. Unknown names are skipped (Validate reports them).
func (c *Config) Resolve(t Targets) []string {
	want := map[string]bool{}
	for _, name := range t {
		want[name] = true
	}
	var out []string
	if want[c.Bootstrap.Name] {
		out = append(out, c.Bootstrap.Name)
	}
	for _, n := range c.ChainNodes() {
		if want[All] || want[n.Name] || (n.Group != "" && want[n.Group]) {
			out = append(out, n.Name)
		}
	}
	return out
}
