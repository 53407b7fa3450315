package p2p

import (
	"errors"

	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

// BootstrapNode is a DHT server with no chain: the meeting point through
// which nodes find each other by rendezvous.
type BootstrapNode struct {
	Host  host.Host
	DHT   *dht.IpfsDHT
	Gater *Gater
	Conns *ConnWatch
}

// StartBootstrap starts a bootstrap node; others are further bootstrap
// peers it joins (none for a single bootstrap).
func StartBootstrap(cfg HostConfig, others []peer.AddrInfo) (*BootstrapNode, error) {
	h, g, err := NewHost(cfg)
	if err != nil {
		return nil, err
	}
	w := WatchConns(h)
	d, err := NewDHT(h, others, dht.ModeServer)
	if err != nil {
		w.Close()
		h.Close()
		return nil, err
	}
	return &BootstrapNode{Host: h, DHT: d, Gater: g, Conns: w}, nil
}

// Addrs are the node's full multiaddrs, loopback included.
func (b *BootstrapNode) Addrs() []string { return FullAddrs(b.Host) }

// Close stops the DHT and the host.
func (b *BootstrapNode) Close() error {
	b.Conns.Close()
	return errors.Join(b.DHT.Close(), b.Host.Close())
}
