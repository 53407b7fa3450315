// Package runtime is the one interface behind which devnet runs nodes: as
// containers (package docker) or as local processes (package process).
// Backends know how to run a chaind command line somewhere; the runner
// decides what each node runs and when.
package runtime

import (
	"context"
	"io"
	"log/slog"
)

// Label keys put on every docker object of a devnet, and used by `devnet down`.
const (
	LabelDevnet = "devchain.devnet"
	LabelNode   = "devchain.node"
	LabelRole   = "devchain.role"
)

// Role tells a bootstrap node from a chain node.
type Role string

const (
	RoleBootstrap Role = "bootstrap"
	RoleNode      Role = "node"
)

// Network describes one devnet to a backend before any node starts.
type Network struct {
	Name     string // devnet name: labels, network and state-dir names
	StateDir string // host folder for the devnet's files (process data dirs, network key, logs)
	// NetworkKey is the libp2p pnet PSK file content (/key/swarm/psk/1.0.0/ format).
	NetworkKey []byte
	Nodes      []Node
}

// Node is one chaind process of a devnet, described independently of where it runs.
type Node struct {
	Name string
	Role Role
	// Args are chaind's arguments after the binary name, for example
	// ["startp2p", "-rendezvous", "devnet", "-minter", "w1"]. The backend adds
	// what depends on where the node runs: --datadir, -port/--listen-host,
	// -rpc, --network-key, and -bootstrap addresses (see BootstrapAddrs).
	Args []string
	// IdentitySeed derives the node's libp2p key (chaind --identity-seed), so
	// peer IDs are known before start.
	IdentitySeed string
	// PeerID is the peer ID that IdentitySeed yields.
	PeerID string
	// Bootstrap names the bootstrap nodes this node dials (their Name).
	Bootstrap []string
	// Difficulty is passed as --difficulty to every chaind command of the node.
	Difficulty uint32
}

// Runtime runs the nodes of one devnet. Methods taking a node name fail with
// a clear error for a name the Network does not hold.
type Runtime interface {
	// Name is "docker" or "process".
	Name() string
	// Setup prepares the devnet (image, network, volumes or state dir). It is
	// idempotent: `devnet up` on an existing devnet reuses what is there.
	Setup(ctx context.Context, net *Network) error
	// Start creates the node if new and starts it; a started node keeps its data.
	Start(ctx context.Context, name string) error
	// Stop stops the node gracefully (SIGTERM, then SIGKILL after a grace period).
	Stop(ctx context.Context, name string) error
	// Kill sends SIGKILL.
	Kill(ctx context.Context, name string) error
	Pause(ctx context.Context, name string) error
	Unpause(ctx context.Context, name string) error
	// Exec runs `chaind ARGS` against the node's data dir (through its RPC
	// when it runs, offline when stopped) and returns its standard output.
	Exec(ctx context.Context, name string, args ...string) (string, error)
	// Endpoint is the base URL (http://host:port) of the node's control API as
	// reachable from the devnet tool.
	Endpoint(name string) (string, error)
	// Multiaddr is the /ip4/…/tcp/…/p2p/ID address other nodes dial.
	Multiaddr(name string) (string, error)
	// Logs writes the node's log to w; with follow it streams until ctx ends.
	Logs(ctx context.Context, name string, follow bool, w io.Writer) error
	// Partition cuts traffic between the given sides (each a list of node
	// names); nodes in no side keep talking to everyone. Heal undoes it.
	Partition(ctx context.Context, sides [][]string) error
	Heal(ctx context.Context) error
	// Down removes every container, network, volume or process of the devnet.
	Down(ctx context.Context) error
}

// Options are what every backend constructor takes.
type Options struct {
	// StateDir is the devnet's host folder (.devnet/<name>): the devnet
	// record, keys and, for the process backend, data dirs and logs.
	StateDir string
	// Chaind is the path of the chaind binary on the host.
	Chaind string
	Log    *slog.Logger
}

// Attacher is implemented by backends that can pick up a devnet started by
// another devnet invocation (status, logs, exec, down) without creating
// anything. Callers fall back to Setup for backends without it.
type Attacher interface {
	Attach(ctx context.Context, net *Network) error
}

// Lister is implemented by backends that can name every devnet they hold
// objects of, so `devnet down --all` also finds devnets whose record is lost.
type Lister interface {
	Devnets(ctx context.Context) ([]string, error)
}
