// Package docker runs a devnet's nodes as containers of one Docker Engine,
// through the Engine API (github.com/moby/moby/client), never the docker CLI.
//
// Every object it creates (containers, the devnet network, volumes, the
// partition record, one-off exec and partition helper containers) carries
// the label devchain.devnet=<name>, so Down and Remove work from labels
// alone, also after devnet crashed. Where things go (addresses, names,
// command lines) is decided by compose.Layout, shared with the compose
// renderer.
package docker

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/spec"
)

// pingTimeout bounds Available: a machine without an engine must fall back
// to the process runtime at once, not after a TCP timeout.
const pingTimeout = 2 * time.Second

// Options configure a Backend.
type Options struct {
	// Chaind is the path of the static chaind binary to put in the image.
	// Setup builds the image from it, or reuses the image with its content
	// hash. If empty, Setup runs Image as it is.
	Chaind string
	// Image is the image run when Chaind is empty; compose.LatestImage if empty.
	Image string
	// Repo names built images (Repo:<hash> and Repo:latest); compose.Repo if empty.
	Repo string
	// StopGrace is the time between SIGTERM and SIGKILL on Stop; compose.StopGrace if zero.
	StopGrace time.Duration
	// NeighbourLimitFile is read instead of the kernel's gc_thresh3 (tests).
	NeighbourLimitFile string
	// Netcut is the static partition helper binary (cmd/netcut); if empty,
	// devnet-netcut next to the running executable (`make image` puts it
	// in bin/). Only Partition and Heal need it.
	Netcut string
	// StateDir is the devnet's host folder, where its control API token
	// is kept (backend.TokenFile); if empty, the token lives as long as
	// the Backend.
	StateDir string
	Logger   *slog.Logger
}

// Backend is the docker implementation of backend.Backend. It is safe for
// concurrent use; node operations on different nodes run in parallel.
type Backend struct {
	cli   *client.Client
	opts  Options
	log   *slog.Logger
	image string // image of the devnet's containers, set by Setup

	mu     sync.Mutex
	net    *spec.Network
	layout *compose.Layout
	helper string              // partition helper image, built on first use
	token  backend.DevnetToken // the nodes' control API token
}

var (
	_ backend.Backend = (*Backend)(nil)
	_ backend.Remover = (*Backend)(nil)
	_ backend.Lister  = (*Backend)(nil)
	_ backend.Tokener = (*Backend)(nil)
)

// Provider makes the docker backend known to devnet: available when an
// engine answers, and preferred then.
var Provider = backend.Provider{
	Name:      "docker",
	Available: Ping,
	New: func(o backend.Options) (backend.Backend, error) {
		return New(Options{Chaind: o.Chaind, StateDir: o.StateDir, Logger: o.Log})
	},
}

// newClient connects to the engine named by the environment (DOCKER_HOST,
// or the local socket). The API version is negotiated on the first request:
// the client speaks up to the newest API, the engine here 1.41.
func newClient() (*client.Client, error) {
	c, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker: client: %w", err)
	}
	return c, nil
}

// Available tells whether a Docker engine answers a ping within a short
// timeout; devnet uses the process runtime when it does not.
func Available(ctx context.Context) bool {
	return Ping(ctx) == nil
}

// Ping is Available with the reason for a missing engine.
func Ping(ctx context.Context) error {
	c, err := newClient()
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if _, err := c.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return fmt.Errorf("docker: no engine answers at %s: %w", c.DaemonHost(), err)
	}
	return nil
}

// New returns a docker runtime; it does not contact the engine until used.
func New(opts Options) (*Backend, error) {
	if opts.Image == "" {
		opts.Image = compose.LatestImage
	}
	if opts.Repo == "" {
		opts.Repo = compose.Repo
	}
	if opts.StopGrace == 0 {
		opts.StopGrace = compose.StopGrace
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	c, err := newClient()
	if err != nil {
		return nil, err
	}
	return &Backend{cli: c, opts: opts, log: opts.Logger.With("runtime", "docker"), token: backend.DevnetToken{StateDir: opts.StateDir}}, nil
}

// Close releases the engine connection.
func (b *Backend) Close() error { return b.cli.Close() }

// Name is "docker".
func (b *Backend) Name() string { return Provider.Name }

// Image is the image reference the devnet's containers run (after Setup).
func (b *Backend) Image() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.image
}

// Setup sizes the chain nodes' peer limits to the host's neighbour table
// (refusing a devnet that cannot fit, before anything is created), builds or
// finds the image, and creates the devnet network or reuses the one a
// previous `devnet up` left (keeping its subnet, so addresses and multiaddrs
// stay the same). Containers and volumes are created by Start.
func (b *Backend) Setup(ctx context.Context, net *spec.Network) error {
	if err := sizePeers(net, b.neighbourLimit()); err != nil {
		return err
	}
	image := b.opts.Image
	if b.opts.Chaind != "" {
		ref, err := EnsureImage(ctx, b.cli, b.opts.Chaind, b.opts.Repo, b.log)
		if err != nil {
			return err
		}
		image = ref
	} else if _, err := b.cli.ImageInspect(ctx, image); err != nil {
		return fmt.Errorf("docker: image %s: %w (build it with `make image`)", image, err)
	}
	subnet, err := b.ensureNetwork(ctx, net.Name)
	if err != nil {
		return err
	}
	layout, err := compose.NewLayout(net, subnet)
	if err != nil {
		return err
	}
	b.use(net, layout, image)
	return nil
}

// localEngine tells an engine on this host (its unix socket) from a remote
// one, whose kernel and CPUs this process cannot see.
func (b *Backend) localEngine() bool { return strings.HasPrefix(b.cli.DaemonHost(), "unix://") }

// neighbourLimit is the size of the kernel neighbour table the devnet's
// containers share, or 0 when it cannot be known: only a local engine's
// kernel is the one this process can read.
func (b *Backend) neighbourLimit() int {
	if !b.localEngine() {
		return 0
	}
	path := b.opts.NeighbourLimitFile
	if path == "" {
		path = neighbourLimitFile
	}
	return readNeighbourLimit(path)
}

// Attach picks up a devnet that an earlier `devnet up` set up, creating
// nothing: its network must exist, and its containers keep the image they
// were created with (Exec's one-off containers use the same).
func (b *Backend) Attach(ctx context.Context, net *spec.Network) error {
	name := compose.NetworkName(net.Name)
	res, err := b.cli.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return fmt.Errorf("docker: devnet %s is not up (no network %s)", net.Name, name)
	}
	if err != nil {
		return fmt.Errorf("docker: network %s: %w", name, err)
	}
	subnet, err := devnetSubnet(res.Network, net.Name)
	if err != nil {
		return err
	}
	layout, err := compose.NewLayout(net, subnet)
	if err != nil {
		return err
	}
	image := b.opts.Image
	cs, err := b.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: LabelFilter(compose.LabelDevnet, net.Name).Add("label", compose.LabelRole)})
	if err != nil {
		return fmt.Errorf("docker: containers of devnet %s: %w", net.Name, err)
	}
	if len(cs.Items) > 0 {
		image = cs.Items[0].Image
	}
	b.use(net, layout, image)
	return nil
}

// use makes layout the runtime's devnet.
func (b *Backend) use(net *spec.Network, layout *compose.Layout, image string) {
	b.mu.Lock()
	b.image, b.net, b.layout = image, net, layout
	b.mu.Unlock()
}

// service returns the layout entry of a node, failing before Setup.
func (b *Backend) service(name string) (*compose.Service, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.layout == nil {
		return nil, fmt.Errorf("docker: node %s: devnet not set up", name)
	}
	return b.layout.Service(name)
}

// Endpoint is the node's control API at its static address: the host
// reaches the containers of a bridge network directly.
func (b *Backend) Endpoint(name string) (string, error) {
	s, err := b.service(name)
	if err != nil {
		return "", err
	}
	return "http://" + netip.AddrPortFrom(s.IP, compose.RPCPort).String(), nil
}

// Multiaddr is the node's p2p address on the devnet network. It does not
// change across restarts or partitions.
func (b *Backend) Multiaddr(name string) (string, error) {
	s, err := b.service(name)
	if err != nil {
		return "", err
	}
	if s.Multiaddr == "" {
		return "", fmt.Errorf("docker: node %s has no peer ID", name)
	}
	return s.Multiaddr, nil
}

// LabelFilter selects objects by label, "key" or "key=value" (the swarm
// backend selects its services, secrets and configs so too).
func LabelFilter(key, value string) client.Filters {
	if value == "" {
		return client.Filters{}.Add("label", key)
	}
	return client.Filters{}.Add("label", key+"="+value)
}

func seconds(d time.Duration) *int {
	s := int(d.Round(time.Second) / time.Second)
	return &s
}
