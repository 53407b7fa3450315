package p2p

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/devchain/devchain/node/controlapi"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/identify"
)

// ConnectorConfig configures how a node finds and keeps its peers.
type ConnectorConfig struct {
	Host       host.Host
	Conns      *ConnWatch // every dial goes through it, naming its source
	Gater      *Gater
	DHT        *dht.IpfsDHT
	PeerDB     *PeerDB
	Bootstrap  []peer.AddrInfo
	Rendezvous string
	// PeerCount is the number of nodes we sync with (Sync.PeerCount).
	PeerCount func() int
	// DialTimeout bounds each dial of a saved peer (1 s if zero).
	DialTimeout time.Duration
	// DiscoveryInterval is the pause between rendezvous lookups (10 s).
	DiscoveryInterval time.Duration
	// RedialInterval is the pause between redials of saved peers while
	// the node has fewer than TargetPeers (5 s).
	RedialInterval time.Duration
	TargetPeers    int // 8 if zero
	Log            *slog.Logger
}

// Connector finds peers: saved peers first, then rendezvous through the
// DHT, and keeps redialing saved peers while the node has few.
type Connector struct {
	cfg     ConnectorConfig
	dialing atomic.Int32 // rendezvous dials in flight
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// NewConnector fills in defaults.
func NewConnector(cfg ConnectorConfig) *Connector {
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = time.Second
	}
	if cfg.RedialInterval == 0 {
		cfg.RedialInterval = 5 * time.Second
	}
	if cfg.TargetPeers == 0 {
		cfg.TargetPeers = 8
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Connector{cfg: cfg, ctx: ctx, cancel: cancel}
}

// Close stops the connector's loops and dials and waits for them.
func (c *Connector) Close() {
	c.cancel()
	c.wg.Wait()
}

// goDo runs fn in a goroutine Close waits for.
func (c *Connector) goDo(fn func()) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		fn()
	}()
}

// bootstrapTag protects the connections to bootstrap peers from the
// connection manager: they are the node's way back into the DHT.
const bootstrapTag = "devchain-bootstrap"

// Start dials the saved peers (all at once, short timeout), then runs the
// rendezvous discovery and the redial loop until Close. Discovery runs even
// when a saved peer answered, so nodes that joined meanwhile are found.
func (c *Connector) Start() {
	ctx := c.ctx
	for _, b := range c.cfg.Bootstrap {
		c.cfg.Host.ConnManager().Protect(b.ID, bootstrapTag)
	}
	if n := c.dialSaved(ctx, nil); n > 0 {
		c.cfg.Log.Info("connected via peer DB", "peers", n)
	}
	if c.cfg.DHT != nil && c.cfg.Rendezvous != "" {
		r := &Rendezvous{
			Host: c.cfg.Host, Conns: c.cfg.Conns, DHT: c.cfg.DHT, Bootstrap: c.cfg.Bootstrap,
			Namespace: c.cfg.Rendezvous, Interval: c.cfg.DiscoveryInterval,
			Found: c.found, Log: c.cfg.Log,
			Enough: func() bool { return c.cfg.PeerCount() >= c.cfg.TargetPeers },
		}
		c.goDo(func() { r.Run(ctx) })
	}
	c.goDo(func() { c.redial(ctx) })
}

// dialSaved dials every saved peer not connected and not refused, counts
// failures in the peer DB and returns how many answered.
func (c *Connector) dialSaved(ctx context.Context, skip map[peer.ID]bool) int {
	recs, err := c.cfg.PeerDB.List()
	if err != nil {
		c.cfg.Log.Warn("reading peer DB", "err", err)
		return 0
	}
	var infos []peer.AddrInfo
	for _, r := range recs {
		if skip[r.ID] || r.ID == c.cfg.Host.ID() || !c.cfg.Gater.Allowed(r.ID) {
			continue
		}
		infos = append(infos, r.AddrInfo())
	}
	// Dial a few more than the peers missing, as some saved ones are gone;
	// the redial loop fills in later.
	if need := 2 * (c.cfg.TargetPeers - c.cfg.PeerCount()); len(infos) > need {
		infos = infos[:max(need, 0)]
	}
	if len(infos) == 0 {
		return 0
	}
	ok := connectAny(ctx, c.cfg.Conns, controlapi.ViaPeerDB, infos, c.cfg.DialTimeout, c.cfg.Log)
	answered := map[peer.ID]bool{}
	for _, id := range ok {
		answered[id] = true
	}
	for _, info := range infos {
		if !answered[info.ID] && ctx.Err() == nil {
			if err := c.cfg.PeerDB.Failed(info.ID); err != nil {
				c.cfg.Log.Warn("peer DB", "err", err)
			}
		}
	}
	return len(ok)
}

func (c *Connector) redial(ctx context.Context) {
	t := time.NewTicker(c.cfg.RedialInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if c.cfg.PeerCount() >= c.cfg.TargetPeers {
			continue
		}
		connected := map[peer.ID]bool{}
		for _, id := range c.cfg.Host.Network().Peers() {
			connected[id] = true
		}
		c.dialSaved(ctx, connected)
	}
}

// found connects to a peer discovered by rendezvous, unless the node has
// TargetPeers already (counting the dials in flight): blocks and txs relay
// peer to peer, so a sparse graph converges as well as a full mesh, at a
// fraction of the connections.
func (c *Connector) found(ctx context.Context, p peer.AddrInfo) {
	if c.cfg.Host.Network().Connectedness(p.ID) == network.Connected || !c.cfg.Gater.Allowed(p.ID) {
		return
	}
	if c.cfg.PeerCount()+int(c.dialing.Load()) >= c.cfg.TargetPeers {
		return
	}
	c.dialing.Add(1)
	c.goDo(func() {
		defer c.dialing.Add(-1)
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := c.cfg.Conns.Connect(cctx, controlapi.ViaRendezvous, p); err != nil {
			c.cfg.Log.Debug("dial of discovered peer failed", "peer", p.ID, "err", err)
			return
		}
		c.cfg.Log.Info("connected via rendezvous", "peer", p.ID)
	})
}

// Saw saves a peer that completed the sync handshake, with the listen
// addresses identify reported (an inbound connection's own address is an
// ephemeral port, useless for dialing later).
func (c *Connector) Saw(conn network.Conn) {
	id := conn.RemotePeer()
	c.goDo(func() {
		if ids, ok := c.cfg.Host.(interface{ IDService() identify.IDService }); ok {
			select {
			case <-ids.IDService().IdentifyWait(conn):
			case <-time.After(5 * time.Second):
			case <-c.ctx.Done():
				return
			}
		}
		addrs := c.cfg.Host.Peerstore().Addrs(id)
		if conn.Stat().Direction == network.DirOutbound {
			addrs = append(addrs, conn.RemoteMultiaddr())
		}
		if err := c.cfg.PeerDB.Seen(peer.AddrInfo{ID: id, Addrs: dedupAddrs(addrs)}); err != nil {
			c.cfg.Log.Warn("saving peer", "peer", id, "err", err)
		}
	})
}
