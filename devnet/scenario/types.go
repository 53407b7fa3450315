// Package scenario holds the devnet scenario file: its types, defaults and
// validation, kept apart from the code that acts on them (devnet/runner).
// Every error names the file and line it is about.
package scenario

import (
	"fmt"
	"time"
)

// Pos is where a value was written; the decoder fills it in.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Config is one scenario file.
type Config struct {
	Pos       Pos       `yaml:"-"`
	Name      string    `yaml:"name"`
	Network   Network   `yaml:"network"`
	Bootstrap Bootstrap `yaml:"bootstrap"`
	// Runtime names the backend (devnet/backends), or is "auto": the first
	// one available here.
	Runtime string     `yaml:"runtime"`
	Nodes   []NodeSpec `yaml:"nodes"`
	Steps   []Step     `yaml:"steps"`
	// Chaos configures `devnet chaos` on this devnet; nil: its defaults.
	Chaos *Chaos `yaml:"chaos"`
}

// Network holds the parameters every node shares.
type Network struct {
	Pos        Pos    `yaml:"-"`
	Rendezvous string `yaml:"rendezvous"`
	Difficulty uint32 `yaml:"difficulty"`
	// Seed derives every node's identity ("<seed>/<node>"; without a seed
	// "<name>/<node>"), so peer IDs are known before anything starts. Set,
	// it also derives the network key, which is then no secret from anyone
	// who reads the file; unset, the devnet gets a random key (the runner
	// makes it), so a name alone gives no way in.
	Seed string `yaml:"seed"`
	// TargetPeers and MaxPeers bound every chain node's connections; 0 lets
	// the runtime choose (docker sizes them to the host's neighbour table).
	TargetPeers int `yaml:"target_peers"`
	MaxPeers    int `yaml:"max_peers"`
	// Links are the conditions of every link between chain nodes from the
	// start (each node is launched with them); shape steps add to them.
	Links *LinkSpec `yaml:"links"`
}

// Bootstrap is the DHT bootstrap node every chain node dials first.
type Bootstrap struct {
	Pos  Pos    `yaml:"-"`
	Name string `yaml:"name"`
}

// NodeSpec is one chain node, or with Count a group named Name-1..Name-Count.
type NodeSpec struct {
	Pos   Pos    `yaml:"-"`
	Name  string `yaml:"name"`
	Count *int   `yaml:"count"`
	// Minter is the wallet alias mined blocks pay; the wallet is created
	// before the node first starts.
	Minter string `yaml:"minter"`
	// MineInterval makes a minter mine a block every interval even with an
	// empty mempool.
	MineInterval Duration `yaml:"mine_interval"`
	// MineIntervalOnly mines only every MineInterval, not also as soon as
	// transactions arrive: blocks at a steady pace, as a load test wants.
	MineIntervalOnly bool `yaml:"mine_interval_only"`
	// Wallets are created before the node first starts.
	Wallets []string `yaml:"wallets"`
}

// IsGroup tells a group from a single node.
func (n *NodeSpec) IsGroup() bool { return n.Count != nil }

// Duration is a time.Duration written as "30s", "2m".
type Duration time.Duration

func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// Targets names the nodes a step acts on: node names, group names, "all"
// (every chain node) or the bootstrap's name. Written as one name or a list.
type Targets []string

// All is the target naming every chain node.
const All = "all"

// Step is one entry of the scenario's steps: an action or an assertion.
type Step struct {
	Pos  Pos
	Name string // optional; defaults to a description of the step
	Kind string // "mint", "height", …
	// Action points to the kind's type: *CreateWallet, *Mint, *Send,
	// *NodeAction, *Partition, *Heal, *Shape, *Unshape, *TxLoad, *Sleep, *Height, *Converged,
	// *Balance, *Peers, *ConnectedVia, *Log, *RTT, *Propagation, *Throughput, *UTXO, *Payments.
	Action any
}

// Target is embedded by every step that acts on nodes.
type Target struct {
	Node Targets `yaml:"node"`
}

// Deadline is embedded by every assertion. The deadline is extended while
// heights rise (see the runner), so it bounds a stall rather than the work.
type Deadline struct {
	Within Duration `yaml:"within"`
}

// CreateWallet creates a wallet with Alias on each target node.
type CreateWallet struct {
	Target `yaml:",inline"`
	Alias  string `yaml:"alias"`
}

// Mint mines Blocks blocks paying Minter (an alias on that node), through
// the running node or, with Offline, into a stopped node's data.
type Mint struct {
	Target  `yaml:",inline"`
	Minter  string `yaml:"minter"`
	Blocks  int    `yaml:"blocks"`
	Offline bool   `yaml:"offline"`
}

// Send sends Amount from From (an alias on the node) to To: an address, an
// alias on the node, or "node/alias" for a wallet of another node.
type Send struct {
	Target `yaml:",inline"`
	From   string `yaml:"from"`
	To     string `yaml:"to"`
	Amount uint64 `yaml:"amount"`
	// BestEffort makes a payment the node refuses (400: its wallet is short
	// of coin, the mempool is full) a line in the step log rather than a
	// failure: a chaos schedule cannot know a wallet's balance after reorgs.
	BestEffort bool `yaml:"best_effort"`
}

// NodeAction is stop, start, restart, kill, pause and unpause.
type NodeAction struct {
	Target `yaml:",inline"`
}

// Partition cuts traffic between named sets of nodes; nodes in no set keep
// talking to everyone.
type Partition map[string]Targets

// Heal undoes a partition.
type Heal struct{}

// Sleep waits For.
type Sleep struct {
	For Duration `yaml:"for"`
}

// Height holds when every target node's height is at least Min.
type Height struct {
	Target   `yaml:",inline"`
	Deadline `yaml:",inline"`
	Min      uint64 `yaml:"min"`
}

// Converged holds when every running target node has the same tip.
type Converged struct {
	Target   `yaml:",inline"`
	Deadline `yaml:",inline"`
	// MinHeight, when set, also needs the common tip to be at least this high.
	MinHeight uint64 `yaml:"min_height"`
}

// Balance holds when Wallet's balance on each target node equals Equals or
// is at least Min. Wallet is an alias on the node, an address, or "node/alias".
type Balance struct {
	Target   `yaml:",inline"`
	Deadline `yaml:",inline"`
	Wallet   string  `yaml:"wallet"`
	Equals   *uint64 `yaml:"equals"`
	Min      *uint64 `yaml:"min"`
}

// Peers holds when each target node has at least Min peers.
type Peers struct {
	Target   `yaml:",inline"`
	Deadline `yaml:",inline"`
	Min      int `yaml:"min"`
}

// ConnectedVia holds when each target node reports one of Via as where
// its longest-connected current peer came from: each of
// controlapi.PeerSources. Written as one source or a list.
type ConnectedVia struct {
	Target   `yaml:",inline"`
	Deadline `yaml:",inline"`
	Via      OneOrMore `yaml:"via"`
}

// OneOrMore is a list of words that may be written as a single one.
type OneOrMore []string

// RTT holds when each target node's last measured round trip to Peer (a
// chain node) is between Min and Max: the link conditions in force, as the
// node measures them with its pings.
type RTT struct {
	Target   `yaml:",inline"`
	Deadline `yaml:",inline"`
	Peer     string   `yaml:"peer"`
	Min      Duration `yaml:"min"`
	Max      Duration `yaml:"max"`
}

// Propagation holds when, over the last Blocks blocks of the main chain
// that every target node should hold (up to the lowest one's height), the
// time from the first target node connecting a block (its miner) to the
// last one connecting it has a 99th percentile of at most P99.
type Propagation struct {
	Target   `yaml:",inline"`
	Deadline `yaml:",inline"`
	Blocks   int      `yaml:"blocks"`
	P99      Duration `yaml:"p99"`
}

// Throughput holds when the main chain of the first running target
// confirmed at least MinTPS transactions a second (coinbases aside) over
// the blocks it connected in the last For before its tip.
type Throughput struct {
	Target   `yaml:",inline"`
	Deadline `yaml:",inline"`
	MinTPS   float64  `yaml:"min_tps"`
	For      Duration `yaml:"for"`
}

// UTXO holds when every running target node's stored UTXO set equals the
// one its main chain's blocks make, holds no more coin than their
// subsidies, and nodes on the same tip have the same set (so balances
// agree).
type UTXO struct {
	Target   `yaml:",inline"`
	Deadline `yaml:",inline"`
}

// Payments holds when every payment a send or load step of the run got
// accepted either is confirmed on the main chain of every running target
// node or can no longer be: another confirmed transaction spends one of
// its inputs, or an input's funding vanished with the blocks a reorg
// disconnected (a coinbase of a losing branch, a payment that can no
// longer confirm). A payment that could still confirm but did not is lost.
type Payments struct {
	Target   `yaml:",inline"`
	Deadline `yaml:",inline"`
}

// Log holds when Match (a regular expression) is seen in each target node's log.
type Log struct {
	Target   `yaml:",inline"`
	Deadline `yaml:",inline"`
	Match    string `yaml:"match"`
}

// stepKinds maps each step key to a constructor of its action type.
var stepKinds = map[string]func() any{
	"createwallet":  func() any { return &CreateWallet{} },
	"mint":          func() any { return &Mint{} },
	"send":          func() any { return &Send{} },
	"stop":          func() any { return &NodeAction{} },
	"start":         func() any { return &NodeAction{} },
	"restart":       func() any { return &NodeAction{} },
	"kill":          func() any { return &NodeAction{} },
	"pause":         func() any { return &NodeAction{} },
	"unpause":       func() any { return &NodeAction{} },
	"partition":     func() any { return &Partition{} },
	"heal":          func() any { return &Heal{} },
	"shape":         func() any { return &Shape{} },
	"unshape":       func() any { return &Unshape{} },
	"sleep":         func() any { return &Sleep{} },
	"height":        func() any { return &Height{} },
	"converged":     func() any { return &Converged{} },
	"balance":       func() any { return &Balance{} },
	"peers":         func() any { return &Peers{} },
	"connected_via": func() any { return &ConnectedVia{} },
	"log":           func() any { return &Log{} },
	"rtt":           func() any { return &RTT{} },
	"load":          func() any { return &TxLoad{} },
	"propagation":   func() any { return &Propagation{} },
	"throughput":    func() any { return &Throughput{} },
	"utxo":          func() any { return &UTXO{} },
	"payments":      func() any { return &Payments{} },
}

// IsAssertion tells assertions (which wait and can fail) from actions.
func (s *Step) IsAssertion() bool {
	switch s.Action.(type) {
	case *Height, *Converged, *Balance, *Peers, *ConnectedVia, *Log, *RTT, *Propagation, *Throughput, *UTXO, *Payments:
		return true
	}
	return false
}

// Targets returns the step's node targets, or nil for steps without any.
func (s *Step) Targets() Targets {
	if t, ok := s.Action.(interface{ targets() *Target }); ok {
		return t.targets().Node
	}
	return nil
}

// Within returns an assertion's deadline, or 0 for actions.
func (s *Step) Within() time.Duration {
	if d, ok := s.Action.(interface{ deadline() *Deadline }); ok {
		return d.deadline().Within.D()
	}
	return 0
}

func (t *Target) targets() *Target      { return t }
func (d *Deadline) deadline() *Deadline { return d }
