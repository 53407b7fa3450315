// Package backend is the one interface behind which devnet runs nodes, and
// the Provider record by which a backend package makes itself known (see
// devnet/backends for the list). Backends know how to run a node's launch
// (devnet/spec) somewhere; the runner decides what runs and when.
package backend

import (
	"context"
	"io"
	"log/slog"

	"github.com/devchain/devchain/devnet/spec"
)

// Backend runs the nodes of one devnet. Methods taking a node name fail with
// a clear error for a name the Network does not hold.
type Backend interface {
	// Name is the provider's name ("docker", "process").
	Name() string
	// Setup prepares the devnet (image, network, volumes or state dir). It is
	// idempotent: `devnet up` on an existing devnet reuses what is there.
	// It may fill in launch fields the scenario left to the runtime (docker
	// sizes peer limits to the host); the caller records net after it.
	Setup(ctx context.Context, net *spec.Network) error
	// Attach picks up a devnet that an earlier invocation set up (status,
	// logs, exec, down), creating nothing; it fails when the devnet is not up.
	Attach(ctx context.Context, net *spec.Network) error
	// Start creates the node if new and starts it, and returns once its
	// control API answers (WaitAnswering); a started node keeps its data.
	Start(ctx context.Context, name string) error
	// Stop stops the node gracefully (SIGTERM, then SIGKILL after a grace period).
	Stop(ctx context.Context, name string) error
	// Kill sends SIGKILL.
	Kill(ctx context.Context, name string) error
	Pause(ctx context.Context, name string) error
	// Unpause returns once the node's control API answers again.
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
	// Close releases what the backend holds open (an engine connection); the
	// devnet keeps running.
	Close() error
}

// Remover is implemented by backends that can remove a devnet by its name
// alone (docker: by label), also when its record is lost. Callers fall back
// to Down, so a backend without Remover must be able to take down a devnet
// it did not Setup or Attach (the process backend reads its state dir).
type Remover interface {
	Remove(ctx context.Context, devnet string) error
}

// Lister is implemented by backends that can name every devnet they hold
// objects of, so `devnet down --all` also finds devnets whose record is lost.
type Lister interface {
	Devnets(ctx context.Context) ([]string, error)
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

// Provider makes a backend known to the devnet command line.
type Provider struct {
	// Name is what --runtime and the devnet record call it.
	Name string
	// Available reports why the backend cannot run here (no engine), or nil.
	// Automatic selection takes the first available provider of the list.
	Available func(ctx context.Context) error
	New       func(Options) (Backend, error)
}
