package p2p

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// Gater refuses connections to and from two sets of peers: the deny set an
// operator replaces at runtime (/admin/gate, used to partition a devnet)
// and peers banned for a while for misbehaving.
type Gater struct {
	mu     sync.Mutex
	deny   map[peer.ID]bool
	banned map[peer.ID]time.Time // until
	now    func() time.Time
}

// NewGater returns a gater that allows everyone.
func NewGater() *Gater {
	return &Gater{deny: map[peer.ID]bool{}, banned: map[peer.ID]time.Time{}, now: time.Now}
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
func (g *Gater) InterceptSecured(_ network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	return g.Allowed(p)
}
func (g *Gater) InterceptUpgraded(c network.Conn) (bool, control.DisconnectReason) {
	return g.Allowed(c.RemotePeer()), 0
}
