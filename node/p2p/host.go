// Package p2p holds a node's networking: the libp2p host (TCP,
// Noise, private-network key), the connection gater, the peer DB, the
// rendezvous discovery over a private Kademlia DHT, the bootstrap server and
// the block/transaction sync protocol.
package p2p

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/libp2p/go-libp2p"
	coreconnmgr "github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/pnet"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
)

// HostConfig says how to build a host.
type HostConfig struct {
	Key        crypto.PrivKey // the node's identity
	NetworkKey pnet.PSK       // peers without it cannot complete a connection
	ListenHost string         // "0.0.0.0" when empty
	Port       int            // 0 picks a free port
	UserAgent  string
	// MaxConns caps the connections (zero or less: no cap, as on a
	// bootstrap). The resource manager refuses every connection beyond it
	// when the transport opens it, dialled or accepted, so a handshake in
	// progress holds its place too and the count never goes above the cap.
	MaxConns int
	// LowConns and ConnGrace tune the connection manager that comes with a
	// cap: its high watermark is MaxConns, so with the cap in force it
	// never has to trim; it keeps the protection of the sync peer. LowConns
	// is MaxConns/2 if zero, ConnGrace 20 s.
	LowConns  int
	ConnGrace time.Duration
	// Announce, when not empty, are the only addresses the host tells
	// peers (identify, and so the DHT and their peer DBs) instead of its
	// interface addresses: behind a name that outlives an address, as a
	// Swarm service's DNS name outlives the IP of the task that runs it,
	// peers keep finding a node that moved. Each is /dns4/NAME/tcp/PORT or
	// any dialable multiaddr, optionally ending in the host's /p2p/ID.
	Announce []string
}

// NewHost starts a libp2p host on TCP with Noise and the pnet key, and
// nothing else: no QUIC or WebRTC (they do not support pnet), no relay, no
// NAT port mapping, no AutoNAT. It returns the host and its gater.
func NewHost(cfg HostConfig) (host.Host, *Gater, error) {
	if cfg.Key == nil {
		return nil, nil, fmt.Errorf("p2p host: no identity key")
	}
	if len(cfg.NetworkKey) != 32 {
		return nil, nil, fmt.Errorf("p2p host: network key of %d bytes, want 32", len(cfg.NetworkKey))
	}
	listenHost := cfg.ListenHost
	if listenHost == "" {
		listenHost = "0.0.0.0"
	}
	listen, err := listenAddr(listenHost, cfg.Port)
	if err != nil {
		return nil, nil, err
	}
	announce, err := announceAddrs(cfg.Key, cfg.Announce)
	if err != nil {
		return nil, nil, err
	}
	gater := NewGater()
	opts := []libp2p.Option{
		libp2p.Identity(cfg.Key),
		libp2p.PrivateNetwork(cfg.NetworkKey),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.DefaultMuxers,
		libp2p.ListenAddrs(listen),
		libp2p.ConnectionGater(gater),
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
		libp2p.WithDialTimeout(5 * time.Second),
	}
	if len(announce) > 0 {
		opts = append(opts, libp2p.AddrsFactory(func([]ma.Multiaddr) []ma.Multiaddr { return announce }))
	} else {
		// Announce every interface address, loopback included: the
		// network is private and its nodes often share a machine.
		opts = append(opts, libp2p.AddrsFactory(func(addrs []ma.Multiaddr) []ma.Multiaddr { return addrs }))
	}
	if cfg.UserAgent != "" {
		opts = append(opts, libp2p.UserAgent(cfg.UserAgent))
	}
	rm, err := newResourceManager(cfg.MaxConns)
	if err != nil {
		return nil, nil, err
	}
	opts = append(opts, libp2p.ResourceManager(rm))
	if cfg.MaxConns > 0 {
		cm, err := newConnManager(cfg.LowConns, cfg.MaxConns, cfg.ConnGrace)
		if err != nil {
			return nil, nil, err
		}
		opts = append(opts, libp2p.ConnectionManager(cm))
	} else {
		// libp2p's default manager would trim above 192 connections: a
		// bootstrap must keep every node of a big devnet.
		opts = append(opts, libp2p.ConnectionManager(coreconnmgr.NullConnMgr{}))
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("p2p host on %s: %w", listen, err)
	}
	return h, gater, nil
}

// newResourceManager is libp2p's default resource manager (memory, streams
// and file descriptors scaled to the machine, per-peer and per-IP limits)
// with the connection limits of the whole host, and of the connections
// still in their handshake, set to maxConns (<= 0: unlimited). A limit
// there refuses the connection when it is opened; the connection manager
// would only trim it later, and until then it costs a socket and, in
// containers on one bridge, an entry of the host's neighbour table.
func newResourceManager(maxConns int) (network.ResourceManager, error) {
	conns := rcmgr.Unlimited
	if maxConns > 0 {
		conns = rcmgr.LimitVal(maxConns)
	}
	capped := rcmgr.ResourceLimits{Conns: conns, ConnsInbound: conns, ConnsOutbound: conns}
	defaults := rcmgr.DefaultLimits
	libp2p.SetDefaultServiceLimits(&defaults)
	limits := rcmgr.PartialLimitConfig{System: capped, Transient: capped}.Build(defaults.AutoScale())
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(limits))
	if err != nil {
		return nil, fmt.Errorf("p2p resource manager (%d connections): %w", maxConns, err)
	}
	return rm, nil
}

func newConnManager(low, high int, grace time.Duration) (*connManager, error) {
	if low <= 0 || low >= high {
		low = max(1, high/2)
	}
	if grace <= 0 {
		grace = 20 * time.Second
	}
	cm, err := connmgr.NewConnManager(low, high,
		connmgr.WithGracePeriod(grace), connmgr.WithSilencePeriod(min(grace, 10*time.Second)))
	if err != nil {
		return nil, fmt.Errorf("p2p connection manager (%d..%d): %w", low, high, err)
	}
	return &connManager{cm}, nil
}

// dhtProtectTag is the tag kad-dht protects the peers of its two widest
// buckets with; in a network of a few dozen nodes those are most nodes.
const dhtProtectTag = "kbucket"

// connManager is the basic connection manager minus the DHT's protection:
// the routing table keeps its peers whether connected or not, and its tag
// value still ranks them above other connections when trimming. Protecting
// them would keep every node connected to nearly every other.
type connManager struct {
	*connmgr.BasicConnMgr
}

func (c *connManager) Protect(id peer.ID, tag string) {
	if tag == dhtProtectTag {
		return
	}
	c.BasicConnMgr.Protect(id, tag)
}

// announceAddrs parses the addresses to announce, without their /p2p/ID
// part (libp2p adds it), refusing one that names another peer.
func announceAddrs(key crypto.PrivKey, addrs []string) ([]ma.Multiaddr, error) {
	if len(addrs) == 0 {
		return nil, nil
	}
	self, err := peer.IDFromPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("p2p host: identity: %w", err)
	}
	out := make([]ma.Multiaddr, 0, len(addrs))
	for _, s := range addrs {
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			return nil, fmt.Errorf("announce address %q: %w", s, err)
		}
		transport, id := peer.SplitAddr(a)
		if transport == nil {
			return nil, fmt.Errorf("announce address %q: no transport address before /p2p", s)
		}
		if id != "" && id != self {
			return nil, fmt.Errorf("announce address %q: peer ID %s is not this node's (%s)", s, id, self)
		}
		out = append(out, transport)
	}
	return out, nil
}

func listenAddr(host string, port int) (ma.Multiaddr, error) {
	ip := net.ParseIP(host)
	if ip == nil {
		return nil, fmt.Errorf("listen host %q is not an IP address", host)
	}
	proto := "ip4"
	if ip.To4() == nil {
		proto = "ip6"
	}
	a, err := ma.NewMultiaddr("/" + proto + "/" + ip.String() + "/tcp/" + strconv.Itoa(port))
	if err != nil {
		return nil, fmt.Errorf("listen address %s:%d: %w", host, port, err)
	}
	return a, nil
}

// FullAddrs lists the host's dialable addresses with its peer ID
// (/ip4/.../tcp/P/p2p/ID), an unspecified listen address expanded to every
// interface, loopback included.
func FullAddrs(h host.Host) []string {
	addrs, err := h.Network().InterfaceListenAddresses()
	if err != nil || len(addrs) == 0 {
		addrs = h.Addrs()
	}
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, a.String()+"/p2p/"+h.ID().String())
	}
	return out
}

// ParseAddrs turns full multiaddrs (with /p2p/ID) into AddrInfos, merging
// addresses of the same peer.
func ParseAddrs(addrs []string) ([]peer.AddrInfo, error) {
	var mas []ma.Multiaddr
	for _, s := range addrs {
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			return nil, fmt.Errorf("peer address %q: %w", s, err)
		}
		mas = append(mas, a)
	}
	infos, err := peer.AddrInfosFromP2pAddrs(mas...)
	if err != nil {
		return nil, fmt.Errorf("peer addresses %v: %w", addrs, err)
	}
	return infos, nil
}

func dedupAddrs(addrs []ma.Multiaddr) []ma.Multiaddr {
	seen := map[string]bool{}
	out := addrs[:0:0]
	for _, a := range addrs {
		if k := a.String(); !seen[k] {
			seen[k] = true
			out = append(out, a)
		}
	}
	return out
}
