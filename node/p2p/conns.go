package p2p

import (
	"sync/atomic"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
)

// ConnWatch follows a host's connections as they open: how many are open
// now and the most that were ever open at once.
type ConnWatch struct {
	host     host.Host
	max      atomic.Int64
	notifiee *network.NotifyBundle
}

// WatchConns starts following h's connections; Close stops it.
func WatchConns(h host.Host) *ConnWatch {
	w := &ConnWatch{host: h}
	w.notifiee = &network.NotifyBundle{ConnectedF: func(network.Network, network.Conn) { w.opened() }}
	h.Network().Notify(w.notifiee)
	// Connections that opened before Notify are in the count already.
	w.opened()
	return w
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

// Close stops following the host.
func (w *ConnWatch) Close() { w.host.Network().StopNotify(w.notifiee) }
