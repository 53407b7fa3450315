// Package swarm runs a devnet's nodes as Docker Swarm services, through the
// Engine API of a swarm manager (github.com/moby/moby/client), never the
// docker CLI. It is built and tested on a one-node swarm and designed for
// several hosts:
//
//   - one service per node, with one replica: a node's identity, data and
//     name are its own, which a service of several replicas cannot give;
//   - one attachable overlay network per devnet (attachable, so a one-off
//     container or a debugging shell can join it);
//   - the labels of compose (devchain.devnet, .node, .role) on services,
//     their containers, networks, volumes, secrets and configs, so Down and
//     Remove work from labels alone, also after devnet crashed;
//   - each node announces the DNS name of its service
//     (/dns4/<service>/tcp/4001), which the swarm's DNS resolves wherever
//     the task runs, so its peers' saved entries outlive a rescheduled task;
//   - each service is pinned (a placement constraint on node.id) to the
//     swarm node where its first task ran, so its local volume, its data,
//     follows it;
//   - no restart policy: devnet decides stops and kills, as on docker;
//   - partitions through the nodes' own connection gate
//     (backend.GatePartition), which works across hosts;
//   - kills, pauses, execs and offline commands through the devnet's agent
//     (package agent): a global service, one task per swarm node, with its
//     host's engine socket, since only that engine reaches the containers
//     and volumes there; devnet calls it on its published port with the
//     devnet's token, also on a one-node swarm, and it removes each host's
//     volumes when the devnet goes.
//
// Names, labels and peer IDs come from compose.Layout, as on docker; the
// addresses are the swarm's.
package swarm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/backend/docker"
	"github.com/devchain/devchain/devnet/backend/swarm/agent"
	"github.com/devchain/devchain/devnet/spec"
)

// pingTimeout bounds Available, as docker's.
const pingTimeout = 2 * time.Second

// layoutSubnet is the subnet compose.NewLayout is given for names, labels
// and peer IDs; its addresses are not used (the overlay network's IPAM
// assigns the tasks' addresses), and a /16 keeps a devnet of hundreds of
// nodes inside it.
var layoutSubnet = netip.MustParsePrefix("10.0.0.0/16")

// Options configure a Backend.
type Options struct {
	// Chaind is the static chaind binary the image is built from (as
	// docker.Options.Chaind); if empty, Image runs as it is.
	Chaind string
	// Image is the image run when Chaind is empty; compose.LatestImage if empty.
	Image string
	// StopGrace is the services' stop grace period; compose.StopGrace if zero.
	StopGrace time.Duration
	// StateDir is the devnet's host folder, where its control API token is
	// kept (backend.TokenFile).
	StateDir string
	// Agent is the static agent binary (cmd/agent) its image is built
	// from; if empty, $DEVNET_AGENT (AgentEnv), else devnet-agent next to
	// the running executable (`make image` puts it in bin/).
	Agent  string
	Logger *slog.Logger
}

// Backend is the swarm implementation of backend.Backend, safe for
// concurrent use.
type Backend struct {
	cli  *client.Client
	opts Options
	log  *slog.Logger

	mu     sync.Mutex
	net    *spec.Network
	layout *compose.Layout
	image  string            // image ID the services run (set by Setup or Attach)
	apis   map[string]string // node name → host:port of its control API (apiAddr)
	token  backend.DevnetToken
	self   string            // this engine's swarm node ID
	agents map[string]string // swarm node ID → host:port of the devnet's agent there
	hosts  []string          // IDs of the swarm nodes new services are spread over (placeNew)
	// agentsReady is closed once the agents Setup started run and answer
	// on every swarm node, or failed to (agentsErr); nil without Setup.
	agentsReady chan struct{}
	agentsErr   error
}

var (
	_ backend.Backend = (*Backend)(nil)
	_ backend.Remover = (*Backend)(nil)
	_ backend.Lister  = (*Backend)(nil)
	_ backend.Tokener = (*Backend)(nil)
)

// Provider makes the swarm backend known to devnet. It comes after docker
// and process in backends.All, so only --runtime swarm (or a scenario's
// runtime: swarm) picks it: an engine in a swarm also runs plain containers.
var Provider = backend.Provider{
	Name:      "swarm",
	Available: Ping,
	New: func(o backend.Options) (backend.Backend, error) {
		return New(Options{Chaind: o.Chaind, StateDir: o.StateDir, Logger: o.Log})
	},
}

// errNotManager is Available's answer for an engine outside a swarm, or
// one that is a worker (only a manager's API creates services).
var errNotManager = errors.New("not a swarm manager: `docker swarm init --advertise-addr 127.0.0.1`")

// Ping tells why the engine cannot run a swarm devnet, or nil.
func Ping(ctx context.Context) error {
	c, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return fmt.Errorf("swarm: client: %w", err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	_, err = managerNodeID(ctx, c)
	return err
}

// managerNodeID is the engine's swarm node ID, failing unless it is an
// active manager.
func managerNodeID(ctx context.Context, c *client.Client) (string, error) {
	res, err := c.Info(ctx, client.InfoOptions{})
	if err != nil {
		return "", fmt.Errorf("swarm: no engine answers at %s: %w", c.DaemonHost(), err)
	}
	sw := res.Info.Swarm
	if sw.LocalNodeState != swarm.LocalNodeStateActive || !sw.ControlAvailable {
		return "", fmt.Errorf("swarm: %w (engine at %s: swarm %s)", errNotManager, c.DaemonHost(), sw.LocalNodeState)
	}
	return sw.NodeID, nil
}

// New returns a swarm runtime; it does not contact the engine until used.
func New(opts Options) (*Backend, error) {
	if opts.Image == "" {
		opts.Image = compose.LatestImage
	}
	if opts.StopGrace == 0 {
		opts.StopGrace = compose.StopGrace
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	c, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("swarm: client: %w", err)
	}
	return &Backend{cli: c, opts: opts, log: opts.Logger.With("runtime", "swarm"), apis: map[string]string{},
		agents: map[string]string{}, token: backend.DevnetToken{StateDir: opts.StateDir}}, nil
}

// Close releases the engine connection.
func (b *Backend) Close() error { return b.cli.Close() }

// Name is "swarm".
func (b *Backend) Name() string { return Provider.Name }

// Setup checks the engine is a swarm manager, builds or finds the image,
// sizes the chain nodes' peer limits as docker does (on one host the
// overlay's peers share the kernel's neighbour table as a bridge's do),
// creates the secrets, the overlay network and the agent service, or
// reuses them. The nodes' services are created by Start; the agents are
// awaited by the first kill, pause or exec (awaitAgents).
func (b *Backend) Setup(ctx context.Context, net *spec.Network) error {
	self, err := managerNodeID(ctx, b.cli)
	if err != nil {
		return err
	}
	if b.localEngine() {
		if err := docker.SizePeersToHost(net); err != nil {
			return err
		}
	}
	ref := b.opts.Image
	if b.opts.Chaind != "" {
		if ref, err = docker.EnsureImage(ctx, b.cli, b.opts.Chaind, compose.Repo, b.log); err != nil {
			return err
		}
	}
	// Services run the image by its ID: a swarm node pulls any other
	// reference from a registry first (there is none here), while an ID
	// is used as it is. With several nodes each one must have the image
	// (docs/DESIGN.md, Swarm).
	img, err := b.cli.ImageInspect(ctx, ref)
	if err != nil {
		return fmt.Errorf("swarm: image %s: %w (build it with `make image`)", ref, err)
	}
	layout, err := compose.NewLayout(net, layoutSubnet)
	if err != nil {
		return err
	}
	if _, err := layout.Service(agent.Role); err == nil {
		return fmt.Errorf("swarm: devnet %s: a node may not be named %q: its service would be the agent's (%s)", net.Name, agent.Role, agentService(net.Name))
	}
	if err := b.ensureNetwork(ctx, net.Name); err != nil {
		return err
	}
	b.use(net, layout, img.ID, self)
	secrets, err := b.ensureSecrets(ctx)
	if err != nil {
		return err
	}
	return b.ensureAgent(ctx, net.Name, secrets)
}

// Attach picks up a devnet an earlier `devnet up` set up, creating
// nothing: its network must exist; its services' published ports and image
// are read back.
func (b *Backend) Attach(ctx context.Context, net *spec.Network) error {
	self, err := managerNodeID(ctx, b.cli)
	if err != nil {
		return err
	}
	name := compose.NetworkName(net.Name)
	if _, err := b.cli.NetworkInspect(ctx, name, client.NetworkInspectOptions{}); cerrdefs.IsNotFound(err) {
		return fmt.Errorf("swarm: devnet %s is not up (no network %s)", net.Name, name)
	} else if err != nil {
		return fmt.Errorf("swarm: network %s: %w", name, err)
	}
	layout, err := compose.NewLayout(net, layoutSubnet)
	if err != nil {
		return err
	}
	image := b.opts.Image
	res, err := b.cli.ServiceList(ctx, client.ServiceListOptions{Filters: docker.LabelFilter(compose.LabelDevnet, net.Name)})
	if err != nil {
		return fmt.Errorf("swarm: services of devnet %s: %w", net.Name, err)
	}
	nodes := map[string]string{} // service ID → devnet node
	for _, s := range res.Items {
		if isAgent(&s) {
			continue
		}
		nodes[s.ID] = s.Spec.Labels[compose.LabelNode]
		if cs := s.Spec.TaskTemplate.ContainerSpec; cs != nil {
			image = cs.Image
		}
	}
	b.use(net, layout, image, self)
	tasks, err := b.cli.TaskList(ctx, client.TaskListOptions{Filters: client.Filters{}.Add("desired-state", "running")})
	if err != nil {
		return fmt.Errorf("swarm: tasks of devnet %s: %w", net.Name, err)
	}
	for i := range tasks.Items {
		t := &tasks.Items[i]
		node, ok := nodes[t.ServiceID]
		if !ok || t.Status.State != swarm.TaskStateRunning {
			continue
		}
		addr, err := b.apiAddr(ctx, t)
		if err != nil {
			return fmt.Errorf("swarm: node %s: %w", node, err)
		}
		b.mu.Lock()
		b.apis[node] = addr
		b.mu.Unlock()
	}
	return nil
}

func (b *Backend) use(net *spec.Network, layout *compose.Layout, image, self string) {
	b.mu.Lock()
	b.net, b.layout, b.image, b.self = net, layout, image, self
	b.mu.Unlock()
}

// localEngine tells an engine on this host (its unix socket), whose kernel
// this process can read.
func (b *Backend) localEngine() bool { return strings.HasPrefix(b.cli.DaemonHost(), "unix://") }

// service returns the layout entry of a node, failing before Setup.
func (b *Backend) service(name string) (*compose.Service, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.layout == nil {
		return nil, fmt.Errorf("swarm: node %s: devnet not set up", name)
	}
	return b.layout.Service(name)
}

// Endpoint is the node's control API as devnet reaches it: the port its
// running task publishes in host mode on its swarm node (apiAddr), as
// seen when devnet last started or attached the node.
func (b *Backend) Endpoint(name string) (string, error) {
	if _, err := b.service(name); err != nil {
		return "", err
	}
	b.mu.Lock()
	addr := b.apis[name]
	b.mu.Unlock()
	if addr == "" {
		return "", fmt.Errorf("swarm: node %s has no published control API (not running?)", name)
	}
	return "http://" + addr, nil
}

// apiAddr is host:port of the control API a running task publishes.
func (b *Backend) apiAddr(ctx context.Context, t *swarm.Task) (string, error) {
	return b.publishedAddr(ctx, t, compose.RPCPort)
}

// publishedAddr is host:port where a running task publishes its port
// target in host mode (a node's control API, an agent). The engine may
// give the IPv4 and the IPv6 binding different ports (Docker 20.10 did
// when the first free port differed), and the task's port status does not
// say which is which: a task on this engine's host is asked through its
// container (its IPv4 binding, on 127.0.0.1); a task elsewhere is called
// on its swarm node's address at the first port listed, which is the IPv4
// binding's on the engines seen here.
func (b *Backend) publishedAddr(ctx context.Context, t *swarm.Task, target int) (string, error) {
	b.mu.Lock()
	self := b.self
	b.mu.Unlock()
	if t.NodeID == self && t.Status.ContainerStatus != nil {
		res, err := b.cli.ContainerInspect(ctx, t.Status.ContainerStatus.ContainerID, client.ContainerInspectOptions{})
		if err != nil {
			return "", fmt.Errorf("container of task %s: %w", t.ID, err)
		}
		port, err := network.ParsePort(strconv.Itoa(target) + "/tcp")
		if err != nil {
			return "", err
		}
		if ns := res.Container.NetworkSettings; ns != nil {
			for _, pb := range ns.Ports[port] {
				if pb.HostIP.Is4() && pb.HostPort != "" {
					return net.JoinHostPort("127.0.0.1", pb.HostPort), nil
				}
			}
		}
		return "", fmt.Errorf("task %s publishes no IPv4 port for %d", t.ID, target)
	}
	for _, p := range t.Status.PortStatus.Ports {
		if p.TargetPort == uint32(target) && p.PublishedPort != 0 {
			res, err := b.cli.NodeInspect(ctx, t.NodeID, client.NodeInspectOptions{})
			if err != nil {
				return "", fmt.Errorf("swarm node %s of task %s: %w", t.NodeID, t.ID, err)
			}
			return net.JoinHostPort(res.Node.Status.Addr, strconv.Itoa(int(p.PublishedPort))), nil
		}
	}
	return "", fmt.Errorf("task %s publishes no port for %d", t.ID, target)
}

// Multiaddr is the node's p2p address by its service's DNS name, which the
// overlay network's DNS resolves to the service wherever its task runs.
func (b *Backend) Multiaddr(name string) (string, error) {
	s, err := b.service(name)
	if err != nil {
		return "", err
	}
	if s.Node.PeerID == "" {
		return "", fmt.Errorf("swarm: node %s has no peer ID", name)
	}
	return dnsAddr(s) + "/p2p/" + s.Node.PeerID, nil
}

// dnsAddr is the address a node announces: its service's name, which is
// the container name compose gives it.
func dnsAddr(s *compose.Service) string {
	return fmt.Sprintf("/dns4/%s/tcp/%d", s.Container, compose.P2PPort)
}

// RPCToken is the token the devnet's services get.
func (b *Backend) RPCToken() string { return b.token.OrWarn(b.log) }

// rpcToken is the devnet's token (backend.DevnetToken).
func (b *Backend) rpcToken() (string, error) {
	tok, err := b.token.Get()
	if err != nil {
		return "", fmt.Errorf("swarm: %w", err)
	}
	return tok, nil
}
