package scenario

import (
	"slices"

	"fmt"
	"regexp"
	"strings"

	"github.com/devchain/devchain/node/controlapi"
)

var (
	nameRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	aliasRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// Validate reports every problem of a defaulted Config, each with its file:line.
func (c *Config) Validate() error {
	var errs errorList
	if !nameRE.MatchString(c.Name) {
		errs.add(c.Pos, "name %q: want lowercase letters, digits and dashes (it names containers and networks)", c.Name)
	}
	// Which runtimes exist is the CLI's to say (devnet/backends): here only
	// the shape of the name.
	if c.Runtime != DefaultRuntime && !nameRE.MatchString(c.Runtime) {
		errs.add(c.Pos, "runtime %q: want auto or a runtime's name", c.Runtime)
	}
	if c.Network.TargetPeers < 0 || c.Network.TargetPeers > MaxPeersLimit {
		errs.add(c.Network.Pos, "network.target_peers %d: want 1 to %d, or leave it out for the runtime to choose", c.Network.TargetPeers, MaxPeersLimit)
	}
	if c.Network.MaxPeers < 0 || c.Network.MaxPeers > MaxPeersLimit {
		errs.add(c.Network.Pos, "network.max_peers %d: want 1 to %d, or leave it out for the runtime to choose", c.Network.MaxPeers, MaxPeersLimit)
	}
	if t, m := c.Network.TargetPeers, c.Network.MaxPeers; t > 0 && m > 0 && m < t {
		errs.add(c.Network.Pos, "network.max_peers %d is below network.target_peers %d", m, t)
	}
	if c.Network.Difficulty > 32 {
		errs.add(c.Network.Pos, "network.difficulty %d: at most 32 leading zero bits for a devnet", c.Network.Difficulty)
	}
	if l := c.Network.Links; l != nil {
		validateRule(func(format string, args ...any) { errs.add(l.Pos, "network.links: "+format, args...) }, l)
	}
	if !nameRE.MatchString(c.Bootstrap.Name) {
		errs.add(c.Bootstrap.Pos, "bootstrap.name %q: want lowercase letters, digits and dashes", c.Bootstrap.Name)
	}
	c.validateNodes(&errs)
	if c.Chaos != nil && !errs.any() {
		c.Chaos.validate(&errs, len(c.ChainNodes()))
	}
	if len(c.Steps) > MaxSteps {
		errs.add(c.Steps[MaxSteps].Pos, "steps: %d steps, more than the %d a scenario may have", len(c.Steps), MaxSteps)
	}
	if errs.any() {
		// Steps name nodes; judging them against a broken node list only adds noise.
		return errs.err()
	}
	names := newNameIndex(c)
	for i := range c.Steps {
		c.validateStep(&errs, names, &c.Steps[i])
	}
	return errs.err()
}

// nameIndex is what steps are checked against, built once per Validate:
// expanding the groups again for every name of every step would cost
// MaxSteps × MaxChainNodes.
type nameIndex struct {
	bootstrap string
	chain     []string            // every chain node, in file order
	isChain   map[string]bool     // the same, as a set
	groups    map[string][]string // each group's members
	// owner is validatePartition's scratch map, sized once and cleared for
	// each partition rather than grown again for each.
	owner map[string]string
}

func newNameIndex(c *Config) *nameIndex {
	x := &nameIndex{bootstrap: c.Bootstrap.Name, isChain: map[string]bool{}, groups: map[string][]string{}}
	nodes := c.ChainNodes()
	x.owner = make(map[string]string, len(nodes)+1)
	for _, n := range nodes {
		x.chain = append(x.chain, n.Name)
		x.isChain[n.Name] = true
		if n.Group != "" {
			x.groups[n.Group] = append(x.groups[n.Group], n.Name)
		}
	}
	return x
}

// resolve is Config.Resolve on the index, in no particular order and with
// duplicates: validation only asks who is named.
func (x *nameIndex) resolve(t Targets) []string {
	var out []string
	for _, name := range t {
		switch {
		case name == All:
			out = append(out, x.chain...)
		case x.groups[name] != nil:
			out = append(out, x.groups[name]...)
		case x.isChain[name] || name == x.bootstrap:
			out = append(out, name)
		}
	}
	return out
}

func (c *Config) validateNodes(errs *errorList) {
	if len(c.Nodes) == 0 {
		errs.add(c.Pos, "nodes: a devnet needs at least one node")
	}
	seen := map[string]Pos{c.Bootstrap.Name: c.Bootstrap.Pos, All: {}}
	claim := func(name string, p Pos) {
		if first, dup := seen[name]; dup {
			if name == All {
				errs.add(p, "node name %q is reserved (it targets every node)", name)
				return
			}
			errs.add(p, "duplicate node name %q (first at %s)", name, first)
			return
		}
		seen[name] = p
	}
	total, tooMany := 0, false
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if !nameRE.MatchString(n.Name) {
			errs.add(n.Pos, "nodes[%d].name %q: want lowercase letters, digits and dashes", i, n.Name)
			continue
		}
		if n.IsGroup() && *n.Count < 1 {
			errs.add(n.Pos, "nodes[%d] %q: count %d, want at least 1", i, n.Name, *n.Count)
			continue
		}
		// Checked before the group's names are claimed below, one by one.
		size := 1
		if n.IsGroup() {
			size = min(*n.Count, MaxChainNodes+1)
		}
		if total += size; total > MaxChainNodes {
			if !tooMany {
				errs.add(n.Pos, "nodes[%d] %q: brings the devnet above %d chain nodes, the most a devnet may have", i, n.Name, MaxChainNodes)
			}
			tooMany = true
			continue
		}
		if n.MineInterval > 0 && n.MineInterval.D() < MinMineInterval {
			errs.add(n.Pos, "nodes[%d] %q: mine_interval %s below %s, the shortest a minter may have", i, n.Name, n.MineInterval, MinMineInterval)
		}
		claim(n.Name, n.Pos)
		if n.IsGroup() {
			for k := 1; k <= *n.Count; k++ {
				claim(fmt.Sprintf("%s-%d", n.Name, k), n.Pos)
			}
		}
		if n.MineIntervalOnly && n.MineInterval == 0 {
			errs.add(n.Pos, "nodes[%d] %q: mine_interval_only needs a mine_interval", i, n.Name)
		}
		if n.MineInterval > 0 && n.Minter == "" {
			errs.add(n.Pos, "nodes[%d] %q: mine_interval needs a minter wallet", i, n.Name)
		}
		aliases := map[string]bool{}
		for _, w := range n.Wallets {
			if !aliasRE.MatchString(w) {
				errs.add(n.Pos, "nodes[%d] %q: wallet alias %q: want letters, digits, '_', '.', '-'", i, n.Name, w)
			}
			if aliases[w] {
				errs.add(n.Pos, "nodes[%d] %q: wallet %q listed twice", i, n.Name, w)
			}
			aliases[w] = true
		}
	}
}

func (c *Config) validateStep(errs *errorList, names *nameIndex, s *Step) {
	where := fmt.Sprintf("step %q", s.Kind)
	bad := func(format string, args ...any) { errs.add(s.Pos, where+": "+format, args...) }
	if t, ok := s.Action.(interface{ targets() *Target }); ok {
		_, isNodeAction := s.Action.(*NodeAction)
		names.validateTargets(bad, t.targets().Node, isNodeAction)
	}
	if s.IsAssertion() && s.Within() <= 0 {
		bad("within must be a positive duration")
	}
	switch a := s.Action.(type) {
	case *CreateWallet:
		if !aliasRE.MatchString(a.Alias) {
			bad("alias %q: want letters, digits, '_', '.', '-'", a.Alias)
		}
	case *Mint:
		if a.Minter == "" {
			bad("minter: name the wallet alias that receives the blocks")
		}
		if a.Blocks < 1 || a.Blocks > MaxMintBlocks {
			bad("blocks %d: want 1 to %d", a.Blocks, MaxMintBlocks)
		}
	case *Send:
		if a.From == "" || a.To == "" {
			bad("from and to are both needed")
		}
		if a.Amount == 0 {
			bad("amount must be positive")
		}
		if node, _, ok := strings.Cut(a.To, "/"); ok && !names.isChain[node] {
			bad("to %q: %q is not a chain node", a.To, node)
		}
	case *Partition:
		names.validatePartition(bad, *a)
	case *TxLoad:
		validateLoad(bad, a)
	case *Shape:
		names.validateLinks(bad, a.Between)
		validateRule(bad, &a.LinkSpec)
	case *Unshape:
		if a.Between != nil {
			names.validateLinks(bad, a.Between)
		}
	case *Sleep:
		if a.For <= 0 {
			bad("for must be a positive duration")
		}
	case *Balance:
		if a.Wallet == "" {
			bad("wallet: name an alias, an address or node/alias")
		}
		if (a.Equals == nil) == (a.Min == nil) {
			bad("give exactly one of equals and min")
		}
	case *ConnectedVia:
		if len(a.Via) == 0 {
			bad("via: name a source: %s", strings.Join(controlapi.PeerSources, ", "))
		}
		for _, v := range a.Via {
			if !slices.Contains(controlapi.PeerSources, v) {
				bad("via %q: want %s", v, strings.Join(controlapi.PeerSources, ", "))
			}
		}
	case *Log:
		if a.Match == "" {
			bad("match: give a regular expression")
		} else if _, err := regexp.Compile(a.Match); err != nil {
			bad("match %q: %v", a.Match, err)
		}
	case *Throughput:
		if !(a.MinTPS > 0 && a.MinTPS <= MaxLoadRate) {
			bad("min_tps %v: want above 0 and at most %d", a.MinTPS, MaxLoadRate)
		}
		if a.For <= 0 {
			bad("for: give the window, e.g. 30s")
		}
	case *Propagation:
		if a.Blocks < 1 || a.Blocks > 10_000 {
			bad("blocks %d: want 1 to 10000", a.Blocks)
		}
		if a.P99 <= 0 {
			bad("p99: give the bound, e.g. 500ms")
		}
	case *RTT:
		if !names.isChain[a.Peer] {
			bad("peer %q: name the chain node at the other end of the link", a.Peer)
		}
		if a.Max <= 0 || a.Min > a.Max {
			bad("want 0 ≤ min ≤ max and a positive max, got min %s, max %s", a.Min, a.Max)
		}
		if slices.Contains(names.resolve(s.Targets()), a.Peer) {
			bad("peer %q is among the nodes checked: a node has no link to itself", a.Peer)
		}
	case *Peers:
		if a.Min < 0 {
			bad("min %d: want at least 0", a.Min)
		}
	}
}

// validateTargets checks that every name is known. Only node actions (stop,
// start, …) may target the bootstrap: it holds no chain or wallets.
func (x *nameIndex) validateTargets(bad func(string, ...any), t Targets, allowBootstrap bool) {
	if len(t) == 0 {
		bad("node: name a node, a group or all")
		return
	}
	for _, name := range t {
		switch {
		case name == All || x.groups[name] != nil || x.isChain[name]:
		case name == x.bootstrap:
			if !allowBootstrap {
				bad("node %q is the bootstrap, which has no chain; name a chain node", name)
			}
		default:
			bad("unknown node or group %q", name)
		}
	}
}

func (x *nameIndex) validatePartition(bad func(string, ...any), p Partition) {
	if len(p) < 2 {
		bad("want at least two named sets, got %d", len(p))
	}
	owner := x.owner
	clear(owner)
	for _, set := range p.Names() {
		x.validateTargets(bad, p[set], true)
		for _, n := range x.resolve(p[set]) {
			if other, dup := owner[n]; dup && other != set {
				bad("node %q is in both %q and %q", n, other, set)
			}
			owner[n] = set
		}
	}
}
