package p2p

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/devchain/devchain/node/controlapi"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// ConnWatch follows a host's connections as they open: how many are open
// now, the most that were ever open at once, and for the ones we dialled,
// why (Connect names the source).
type ConnWatch struct {
	host     host.Host
	max      atomic.Int64
	notifiee *network.NotifyBundle

	mu      sync.Mutex
	dialing map[peer.ID]*dial // Connect calls in flight
	source  map[string]string // connection ID → source, for connections Connect opened
}

type dial struct {
	source string
	calls  int
}

// WatchConns starts following h's connections; Close stops it.
func WatchConns(h host.Host) *ConnWatch {
	w := &ConnWatch{host: h, dialing: map[peer.ID]*dial{}, source: map[string]string{}}
	w.notifiee = &network.NotifyBundle{ConnectedF: w.connected, DisconnectedF: w.disconnected}
	h.Network().Notify(w.notifiee)
	// Connections that opened before Notify are in the count already.
	w.opened()
	return w
}

func (w *ConnWatch) connected(_ network.Network, c network.Conn) {
	w.opened()
	if c.Stat().Direction != network.DirOutbound {
		return
	}
	w.mu.Lock()
	if d := w.dialing[c.RemotePeer()]; d != nil {
		w.source[c.ID()] = d.source
	}
	w.mu.Unlock()
}

func (w *ConnWatch) disconnected(_ network.Network, c network.Conn) {
	w.mu.Lock()
	delete(w.source, c.ID())
	w.mu.Unlock()
}

// opened raises the high-water mark to the current count. The swarm adds a
// connection to its list before it notifies, so the last of several
// connections opening together sees them all.
func (w *ConnWatch) opened() {
	n := int64(w.Open())
	for {
		m := w.max.Load()
		if n <= m || w.max.CompareAndSwap(m, n) {
			return
		}
	}
}

// Open is the number of connections open now.
func (w *ConnWatch) Open() int { return len(w.host.Network().Conns()) }

// Max is the most connections that were open at once since the start.
func (w *ConnWatch) Max() int { return int(w.max.Load()) }

// Connect dials p unless it is connected, and records source as the origin
// of the connection the dial opens. The swarm notifies a new connection
// before the dial returns, so it is labelled as it appears. Two dials of one
// peer at once share one connection; the first names it.
func (w *ConnWatch) Connect(ctx context.Context, source string, p peer.AddrInfo) error {
	w.mu.Lock()
	d := w.dialing[p.ID]
	if d == nil {
		d = &dial{source: source}
		w.dialing[p.ID] = d
	}
	d.calls++
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		if d.calls--; d.calls == 0 {
			delete(w.dialing, p.ID)
		}
		w.mu.Unlock()
	}()
	return w.host.Connect(ctx, p)
}

// Source says where a connection came from (one of controlapi.PeerSources):
// ViaInbound when the other side dialled, else the source its Connect
// named. An outbound connection no Connect opened is one of the DHT's own
// dials, to its servers: the rendezvous machinery.
func (w *ConnWatch) Source(c network.Conn) string {
	if c.Stat().Direction == network.DirInbound {
		return controlapi.ViaInbound
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if s, ok := w.source[c.ID()]; ok {
		return s
	}
	return controlapi.ViaRendezvous
}

// Close stops following the host.
func (w *ConnWatch) Close() { w.host.Network().StopNotify(w.notifiee) }
