package p2p

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/devchain/devchain/node/controlapi"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	drouting "github.com/libp2p/go-libp2p/p2p/discovery/routing"
)

// Rendezvous finds the other nodes of a network: it joins the DHT through
// the bootstrap peers, advertises the rendezvous string and keeps looking
// for the peers that advertise it, handing each to Found.
type Rendezvous struct {
	Host      host.Host
	Conns     *ConnWatch // dials the bootstrap peers
	DHT       *dht.IpfsDHT
	Bootstrap []peer.AddrInfo
	Namespace string
	Interval  time.Duration // between two lookups; 10s when zero
	Found     func(ctx context.Context, p peer.AddrInfo)
	// Enough, when set and true, skips the lookup: the node has the peers
	// it wants, and each lookup walks the DHT, connecting to many nodes.
	Enough func() bool
	Log    *slog.Logger
}

const (
	backoffMin = 100 * time.Millisecond
	backoffMax = 10 * time.Second
)

// Run works until ctx ends. A bootstrap that does not answer is retried
// with backoff; nothing here is fatal.
func (r *Rendezvous) Run(ctx context.Context) {
	interval := r.Interval
	if interval <= 0 {
		interval = 10 * time.Second
	}
	rd := drouting.NewRoutingDiscovery(r.DHT)
	var readvertise time.Time
	wait := backoffMin
	for {
		if r.joined(ctx) {
			if time.Now().After(readvertise) {
				ttl, err := rd.Advertise(ctx, r.Namespace)
				if err != nil {
					r.Log.Debug("advertise failed", "rendezvous", r.Namespace, "err", err)
				} else {
					r.Log.Info("advertised", "rendezvous", r.Namespace)
					readvertise = time.Now().Add(ttl * 7 / 8)
				}
			}
			if r.Enough == nil || !r.Enough() {
				r.find(ctx, rd)
			}
			wait = interval
		} else {
			wait = min(wait*2, backoffMax)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// joined makes sure the DHT routing table is not empty: advertising on an
// empty table fails (and the stock discovery helper would then wait two
// minutes). It dials the bootstrap peers when the table is empty and waits
// a little for the table to fill.
func (r *Rendezvous) joined(ctx context.Context) bool {
	rt := r.DHT.RoutingTable()
	if rt.Size() > 0 {
		return true
	}
	if len(connectAny(ctx, r.Conns, controlapi.ViaRendezvous, r.Bootstrap, 3*time.Second, r.Log)) == 0 {
		r.Log.Debug("no bootstrap peer answered", "bootstrap", len(r.Bootstrap))
		return false
	}
	// The DHT adds a peer once identify shows it speaks the DHT protocol.
	deadline := time.Now().Add(2 * time.Second)
	for rt.Size() == 0 && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
	return rt.Size() > 0
}

func (r *Rendezvous) find(ctx context.Context, rd *drouting.RoutingDiscovery) {
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ch, err := rd.FindPeers(fctx, r.Namespace)
	if err != nil {
		r.Log.Debug("find peers failed", "rendezvous", r.Namespace, "err", err)
		return
	}
	var found []peer.AddrInfo
	for p := range ch {
		if p.ID != r.Host.ID() && len(p.Addrs) > 0 {
			found = append(found, p)
		}
	}
	// The bootstrap lists the providers in the order they advertised, the
	// same for every node: taken in that order, every node would dial the
	// first few, which refuse all but their cap, and the nodes left out
	// would try the same full ones at every lookup.
	rand.Shuffle(len(found), func(i, j int) { found[i], found[j] = found[j], found[i] })
	r.Log.Debug("rendezvous lookup", "rendezvous", r.Namespace, "found", len(found))
	for _, p := range found {
		r.Found(ctx, p)
	}
}
