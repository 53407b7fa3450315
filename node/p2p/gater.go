package p2p

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// Gater refuses connections to and from two sets of peers: the deny set an
// operator replaces at runtime (/admin/gate, used to partition a devnet)
// and peers banned for a while for misbehaving.
//
// It also limits how many new identities one IP address may bring inbound
// per minute: bans are per peer ID, and a fresh ID costs nothing, so
// without the limit a banned peer would be back at once under another.
type Gater struct {
	mu     sync.Mutex
	deny   map[peer.ID]bool
	banned map[peer.ID]time.Time // until
	now    func() time.Time
	// newIDs: per remote IP, the identities first seen inbound from it
	// within the last newIDWindow, with when.
	newIDs map[string]map[peer.ID]time.Time
}

// maxNewIDsPerIP is how many identities one non-loopback IP address may
// bring inbound per newIDWindow: a node that restarts keeps its identity,
// and a few nodes behind one NAT start within a minute of each other, but
// a banned peer coming back under fresh identities gets a handful of tries
// a minute, not thousands. Loopback is exempt: a process devnet runs a
// hundred nodes on 127.0.0.1.
const (
	maxNewIDsPerIP = 4
	newIDWindow    = time.Minute
)

// NewGater returns a gater that allows everyone.
func NewGater() *Gater {
	return &Gater{deny: map[peer.ID]bool{}, banned: map[peer.ID]time.Time{}, now: time.Now,
		newIDs: map[string]map[peer.ID]time.Time{}}
}

// admitIdentity applies maxNewIDsPerIP to an inbound connection from id.
func (g *Gater) admitIdentity(id peer.ID, addrs network.ConnMultiaddrs) bool {
	ip, err := manet.ToIP(addrs.RemoteMultiaddr())
	if err != nil || ip.IsLoopback() {
		return true
	}
	key := ip.String()
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	for k, ids := range g.newIDs {
		for p, at := range ids {
			if now.Sub(at) >= newIDWindow {
				delete(ids, p)
			}
		}
		if len(ids) == 0 {
			delete(g.newIDs, k)
		}
	}
	ids := g.newIDs[key]
	if _, seen := ids[id]; seen {
		return true
	}
	if len(ids) >= maxNewIDsPerIP {
		return false
	}
	if ids == nil {
		ids = map[peer.ID]time.Time{}
		g.newIDs[key] = ids
	}
	ids[id] = now
	return true
}

// SetDeny replaces the deny set.
func (g *Gater) SetDeny(ids []peer.ID) {
	deny := make(map[peer.ID]bool, len(ids))
	for _, id := range ids {
		deny[id] = true
	}
	g.mu.Lock()
	g.deny = deny
	g.mu.Unlock()
}

// Denied returns the current deny set.
func (g *Gater) Denied() []peer.ID {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]peer.ID, 0, len(g.deny))
	for id := range g.deny {
		out = append(out, id)
	}
	return out
}

// Ban refuses a peer until d has passed.
func (g *Gater) Ban(id peer.ID, d time.Duration) {
	g.mu.Lock()
	g.banned[id] = g.now().Add(d)
	g.mu.Unlock()
}

// Allowed says whether a connection with id may exist now.
func (g *Gater) Allowed(id peer.ID) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.deny[id] {
		return false
	}
	if until, ok := g.banned[id]; ok {
		if g.now().Before(until) {
			return false
		}
		delete(g.banned, id)
	}
	return true
}

func (g *Gater) InterceptPeerDial(p peer.ID) bool                 { return g.Allowed(p) }
func (g *Gater) InterceptAddrDial(p peer.ID, _ ma.Multiaddr) bool { return g.Allowed(p) }
func (g *Gater) InterceptAccept(network.ConnMultiaddrs) bool      { return true }
func (g *Gater) InterceptSecured(dir network.Direction, p peer.ID, addrs network.ConnMultiaddrs) bool {
	if !g.Allowed(p) {
		return false
	}
	return dir != network.DirInbound || g.admitIdentity(p, addrs)
}
func (g *Gater) InterceptUpgraded(c network.Conn) (bool, control.DisconnectReason) {
	return g.Allowed(c.RemotePeer()), 0
}
