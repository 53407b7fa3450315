// Package spec describes a devnet's nodes independently of where they run:
// each node's launch as data (role, identity, bootstrap, minting), and Argv,
// the one function that turns a launch plus its placement into chaind's
// command line. Every backend (processes, containers) and every renderer
// (compose) launches nodes through it, so a chaind flag of a node's launch is
// spelled in this file only.
package spec

import (
	"strconv"
	"time"

	"github.com/devchain/devchain/node/shaping"
)

// Role tells a bootstrap node from a chain node.
type Role string

const (
	RoleBootstrap Role = "bootstrap"
	RoleNode      Role = "node"
)

// Network describes one devnet before any node starts.
type Network struct {
	Name string // devnet name: labels, network and state-dir names
	// NetworkKey is the libp2p pnet PSK file content (/key/swarm/psk/1.0.0/
	// format) for the nodes without a NetworkSeed (NeedsKey); nil when every
	// node derives its key from its seed, which needs no file at all. It is
	// a secret, so it is never part of the devnet's record (JSON, 0644):
	// it is kept in its own 0600 file and loaded from there.
	NetworkKey []byte `json:"-"`
	Nodes      []Node // the bootstrap nodes first, then chain nodes in file order
}

// NeedsKey tells whether some node takes its network key from a file (it
// has no NetworkSeed), so the network needs NetworkKey to launch it.
func (n *Network) NeedsKey() bool {
	for i := range n.Nodes {
		if n.Nodes[i].NetworkSeed == "" {
			return true
		}
	}
	return false
}

// Node is one node's launch, described independently of where it runs.
type Node struct {
	Name string
	Role Role
	// IdentitySeed derives the node's libp2p key (chaind --identity-seed),
	// so peer IDs are known before start.
	IdentitySeed string
	// PeerID is the peer ID that IdentitySeed yields.
	PeerID string
	// Bootstrap names the bootstrap nodes this node dials (their Name).
	Bootstrap []string
	// Difficulty selects the network (chaind --difficulty) for every chaind
	// command of the node; 0 leaves chaind's default.
	Difficulty uint32
	// Rendezvous is the string a chain node looks for in the DHT.
	Rendezvous string
	// Minter is the wallet alias the node's mined blocks pay; "" mines nothing.
	Minter string
	// MineInterval makes a minter mine a block every interval even with an
	// empty mempool; 0 mines only when transactions wait.
	MineInterval time.Duration
	// MineIntervalOnly mines only every MineInterval, not also as soon as
	// transactions arrive.
	MineIntervalOnly bool
	// NetworkSeed derives the node's private-network key (chaind
	// --network-seed); "" takes the key from the Placement's file.
	NetworkSeed string
	// TargetPeers and MaxPeers bound a chain node's connections (chaind
	// --target-peers, --max-peers); 0 leaves chaind's defaults. A bootstrap
	// node takes every chain node and has neither.
	TargetPeers, MaxPeers int
	// Links are the conditions of the node's traffic to every peer from
	// the start (chaind --links); the zero Rule shapes nothing.
	Links shaping.Rule
}

// Node returns the named node.
func (n *Network) Node(name string) (*Node, bool) {
	for i := range n.Nodes {
		if n.Nodes[i].Name == name {
			return &n.Nodes[i], true
		}
	}
	return nil, false
}

// Placement is what a node's command line takes from where it runs: paths
// and addresses inside its process's or container's world.
type Placement struct {
	DataDir    string
	ListenHost string // p2p listen address (chaind --listen-host)
	P2PPort    int
	RPCAddr    string // host:port of the control API
	// NetworkKey is the path of the network key file, for a node without a
	// NetworkSeed; "" runs without one.
	NetworkKey string
	// Bootstrap are the multiaddrs of the node's Bootstrap nodes, in order.
	Bootstrap []string
	// Announce are the only p2p addresses a chain node tells its peers
	// (chaind startp2p --announce), for a runtime where a name outlives
	// the node's address (a Swarm service's DNS name); none: chaind
	// announces its interface addresses. A bootstrap node announces its
	// own: nodes dial it by the address they are given.
	Announce []string
	// RPCTokenFile is the path of the file holding the control API's
	// token (the devnet's, so it can call the routes that change
	// something); "" lets chaind make its own, in its data dir only.
	RPCTokenFile string
}

// Argv is chaind's command line (after the binary name) that launches n at p.
func (n *Node) Argv(p Placement) []string {
	var argv []string
	switch n.Role {
	case RoleBootstrap:
		argv = []string{"bootstrap"}
	default:
		argv = []string{"startp2p", "-rendezvous", n.Rendezvous}
		if n.Minter != "" {
			argv = append(argv, "-minter", n.Minter)
			if n.MineInterval > 0 {
				argv = append(argv, "--mine-interval", n.MineInterval.String())
				if n.MineIntervalOnly {
					argv = append(argv, "--mine-interval-only")
				}
			}
		}
		if n.TargetPeers > 0 {
			argv = append(argv, "--target-peers", strconv.Itoa(n.TargetPeers))
		}
		if n.MaxPeers > 0 {
			argv = append(argv, "--max-peers", strconv.Itoa(n.MaxPeers))
		}
		if !n.Links.IsZero() {
			argv = append(argv, "--links", n.Links.String())
		}
		for _, a := range p.Announce {
			argv = append(argv, "--announce", a)
		}
	}
	argv = append(argv, n.dataFlags(p.DataDir)...)
	argv = append(argv,
		"--listen-host", p.ListenHost,
		"-port", strconv.Itoa(p.P2PPort),
		"-rpc", p.RPCAddr,
	)
	if n.IdentitySeed != "" {
		argv = append(argv, "--identity-seed", n.IdentitySeed)
	}
	switch {
	case n.NetworkSeed != "":
		argv = append(argv, "--network-seed", n.NetworkSeed)
	case p.NetworkKey != "":
		argv = append(argv, "--network-key", p.NetworkKey)
	}

	for _, addr := range p.Bootstrap {
		argv = append(argv, "-bootstrap", addr)
	}
	if p.RPCTokenFile != "" {
		argv = append(argv, RPCTokenArgv(p.RPCTokenFile)...)
	}
	return argv
}

// RPCTokenArgv is what Argv adds last for a Placement with RPCTokenFile
// path: a launcher whose command lines come ready-made without it (the
// docker backend's, from compose.Layout, which compose files share and
// where nodes keep their own token) appends it to get the same line.
func RPCTokenArgv(path string) []string { return []string{"--rpc-token-file", path} }

// CommandArgv is the command line of another chaind command (createwallet,
// getbalance…) on n's data in dataDir: through its control API while it
// runs, offline otherwise.
func (n *Node) CommandArgv(dataDir string, args []string) []string {
	return append(append([]string(nil), args...), n.dataFlags(dataDir)...)
}

// dataFlags are the flags every chaind command of n needs: its data dir and
// its network's difficulty.
func (n *Node) dataFlags(dataDir string) []string {
	f := []string{"--datadir", dataDir}
	if n.Difficulty > 0 {
		f = append(f, "--difficulty", strconv.FormatUint(uint64(n.Difficulty), 10))
	}
	return f
}
