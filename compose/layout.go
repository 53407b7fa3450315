// Package compose describes a devnet in Docker terms: the image build
// context, and the layout of networks, addresses, volumes, labels and
// command lines of its containers. The docker runtime applies a Layout to an
// engine; Render writes the same Layout as a docker-compose file. Keeping both
// on one Layout is what makes `devnet compose` the same network as `devnet up`.
package compose

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"time"

	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/node/identity"
)

// Fixed places inside every container (see docs/DESIGN.md, "Image").
const (
	Repo        = "devchain/chaind"
	LatestImage = Repo + ":latest"
	DataDir     = "/data"
	KeyPath     = "/network.key"
	P2PPort     = 4001
	RPCPort     = 8545
)

// Labels on every container, network and volume of a devnet: backends find
// and remove a devnet's objects by them alone, also after devnet crashed.
const (
	LabelDevnet = "devchain.devnet"
	LabelNode   = "devchain.node"
	LabelRole   = "devchain.role"
	// LabelExec marks short-lived containers on a node's volume (offline
	// commands, wallet creation, the partition helper), so nothing counts
	// them as nodes while Down still removes them with the devnet label.
	LabelExec = "devchain.exec"
)

// DefaultSubnet is the subnet of rendered compose files. The docker runtime
// picks free subnets elsewhere in 10.77.0.0/16 (see docker.freeSubnet), so a
// compose devnet and runtime devnets can run side by side.
var DefaultSubnet = netip.MustParsePrefix("10.77.0.0/24")

// Host numbers inside a devnet subnet: .1 is the gateway, bootstrap nodes take
// .2 to .9 and chain nodes start at .10, so addresses do not shift when a
// scenario adds a node.
const (
	firstBootstrapHost = 2
	lastBootstrapHost  = 9
	firstNodeHost      = 10
)

// HealthConfig is a container healthcheck.
type HealthConfig struct {
	Test                           []string
	Interval, Timeout, StartPeriod time.Duration
	Retries                        int
}

// Healthcheck is a compose file's container healthcheck, which depends_on
// waits for: chaind checks its own RPC, so the image needs no shell. The
// docker backend sets none (it asks each node's API itself);
// Layout.Healthcheck stretches the interval for big devnets.
var Healthcheck = HealthConfig{
	Test:        []string{"CMD", "/chaind", "healthcheck", "-rpc", "127.0.0.1:" + strconv.Itoa(RPCPort)},
	Interval:    10 * time.Second,
	Timeout:     3 * time.Second,
	StartPeriod: 5 * time.Second,
	Retries:     3,
}

// Layout is where every part of one devnet lives in Docker.
type Layout struct {
	Devnet   string
	Network  string // name of the devnet's bridge network
	Subnet   netip.Prefix
	Gateway  netip.Addr
	Services []Service // in the order of Network.Nodes
	// HasKey tells whether the containers get the network key file at
	// KeyPath: some node has no seed to derive its key from
	// (spec.Network.NeedsKey). It does not depend on the key being loaded,
	// so a devnet picked up from its record (no key) gets the same
	// command lines as the one set up.
	HasKey bool
}

// Service is one node's container.
type Service struct {
	Node      spec.Node
	Container string
	Volume    string
	Host      int        // host number inside the subnet (IP = subnet base + Host)
	IP        netip.Addr // static address on the devnet network
	Multiaddr string     // /ip4/IP/tcp/4001/p2p/PeerID
	Cmd       []string   // chaind arguments (the image's entrypoint is /chaind)
	Labels    map[string]string
}

var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// NetworkName, ContainerName and VolumeName name a devnet's docker objects.
func NetworkName(devnet string) string         { return "devchain-" + devnet }
func ContainerName(devnet, node string) string { return "devchain-" + devnet + "-" + node }
func VolumeName(devnet, node string) string    { return "devchain-" + devnet + "-" + node }

// NetworkLabels are the labels of the devnet's network.
func NetworkLabels(devnet string) map[string]string {
	return map[string]string{LabelDevnet: devnet}
}

// NodeLabels are the labels of a node's container and volume.
func NodeLabels(devnet string, n *spec.Node) map[string]string {
	return map[string]string{
		LabelDevnet: devnet,
		LabelNode:   n.Name,
		LabelRole:   string(n.Role),
	}
}

// NewLayout places net's nodes in subnet: static addresses, names, labels and
// full chaind command lines.
func NewLayout(net *spec.Network, subnet netip.Prefix) (*Layout, error) {
	if !validName.MatchString(net.Name) {
		return nil, fmt.Errorf("devnet name %q: want letters, digits, '_', '.', '-'", net.Name)
	}
	if !subnet.Addr().Is4() || subnet.Bits() > 24 {
		return nil, fmt.Errorf("devnet %s: subnet %s: want an IPv4 /24 or larger", net.Name, subnet)
	}
	subnet = subnet.Masked()
	l := &Layout{
		Devnet:  net.Name,
		Network: NetworkName(net.Name),
		Subnet:  subnet,
		Gateway: subnet.Addr().Next(),
		HasKey:  net.NeedsKey(),
	}
	byName := make(map[string]*Service, len(net.Nodes))
	nextBootstrap, nextNode := firstBootstrapHost, firstNodeHost
	l.Services = make([]Service, len(net.Nodes))
	for i := range net.Nodes {
		n := net.Nodes[i]
		if !validName.MatchString(n.Name) {
			return nil, fmt.Errorf("devnet %s: node name %q: want letters, digits, '_', '.', '-'", net.Name, n.Name)
		}
		if byName[n.Name] != nil {
			return nil, fmt.Errorf("devnet %s: node %q appears twice", net.Name, n.Name)
		}
		var host int
		switch n.Role {
		case spec.RoleBootstrap:
			if nextBootstrap > lastBootstrapHost {
				return nil, fmt.Errorf("devnet %s: node %s: more than %d bootstrap nodes", net.Name, n.Name, lastBootstrapHost-firstBootstrapHost+1)
			}
			host, nextBootstrap = nextBootstrap, nextBootstrap+1
		case spec.RoleNode:
			host, nextNode = nextNode, nextNode+1
		default:
			return nil, fmt.Errorf("devnet %s: node %s: unknown role %q", net.Name, n.Name, n.Role)
		}
		ip, err := HostAddr(subnet, host)
		if err != nil {
			return nil, fmt.Errorf("devnet %s: node %s: %w", net.Name, n.Name, err)
		}
		if n.PeerID == "" && n.IdentitySeed != "" {
			id, err := identity.PeerIDFromSeed(n.IdentitySeed)
			if err != nil {
				return nil, fmt.Errorf("devnet %s: node %s: peer ID: %w", net.Name, n.Name, err)
			}
			n.PeerID = id.String()
		}
		s := &l.Services[i]
		*s = Service{
			Node:      n,
			Container: ContainerName(net.Name, n.Name),
			Volume:    VolumeName(net.Name, n.Name),
			Host:      host,
			IP:        ip,
			Labels:    NodeLabels(net.Name, &n),
		}
		if n.PeerID != "" {
			s.Multiaddr = fmt.Sprintf("/ip4/%s/tcp/%d/p2p/%s", ip, P2PPort, n.PeerID)
		}
		byName[n.Name] = s
	}
	for i := range l.Services {
		s := &l.Services[i]
		cmd, err := nodeCmd(s, byName, l.HasKey)
		if err != nil {
			return nil, fmt.Errorf("devnet %s: %w", net.Name, err)
		}
		s.Cmd = cmd
	}
	return l, nil
}

// nodeCmd is the node's launch placed in its container.
func nodeCmd(s *Service, byName map[string]*Service, hasKey bool) ([]string, error) {
	n := &s.Node
	p := spec.Placement{
		DataDir:    DataDir,
		ListenHost: "0.0.0.0",
		P2PPort:    P2PPort,
		RPCAddr:    "0.0.0.0:" + strconv.Itoa(RPCPort),
	}
	if hasKey {
		p.NetworkKey = KeyPath
	}
	for _, b := range n.Bootstrap {
		bs := byName[b]
		switch {
		case bs == nil:
			return nil, fmt.Errorf("node %s: bootstrap %q is not a node of the devnet", n.Name, b)
		case bs.Multiaddr == "":
			return nil, fmt.Errorf("node %s: bootstrap %s has no peer ID (no IdentitySeed)", n.Name, b)
		}
		p.Bootstrap = append(p.Bootstrap, bs.Multiaddr)
	}
	return n.Argv(p), nil
}

// healthChecksPerSecond bounds the healthcheck load of a devnet: each check
// is an exec of chaind, and on a small machine 50 nodes checked every 10 s
// take a good part of a core.
const healthChecksPerSecond = 2

// Healthcheck is the healthcheck of the devnet's containers: Healthcheck,
// with a longer interval when there are many nodes.
func (l *Layout) Healthcheck() HealthConfig {
	hc := Healthcheck
	if d := time.Duration(len(l.Services)) * time.Second / healthChecksPerSecond; d > hc.Interval {
		hc.Interval = d.Round(time.Second)
	}
	return hc
}

// Service returns the service of the named node.
func (l *Layout) Service(name string) (*Service, error) {
	for i := range l.Services {
		if l.Services[i].Node.Name == name {
			return &l.Services[i], nil
		}
	}
	return nil, fmt.Errorf("devnet %s has no node %q", l.Devnet, name)
}

// HostAddr is the address with host number host inside subnet; it fails for
// the network, gateway and broadcast addresses and outside the subnet.
func HostAddr(subnet netip.Prefix, host int) (netip.Addr, error) {
	size := 1 << (32 - subnet.Bits())
	if host < 2 || host >= size-1 {
		return netip.Addr{}, fmt.Errorf("host number %d does not fit in subnet %s", host, subnet)
	}
	b := subnet.Masked().Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v += uint32(host)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), nil
}
