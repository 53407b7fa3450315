package p2p

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

// DHTProtocolPrefix keeps the devchain DHT apart from the public IPFS one:
// with a custom prefix kad-dht uses no public bootstrap list, and a node
// never dials a public peer.
const DHTProtocolPrefix = "/devchain"

// NewDHT starts a Kademlia DHT on h that knows only the given bootstrap
// peers. A bootstrap runs it as a server; a chain node as a client, which
// queries the servers but answers no queries and stays out of every routing
// table: a lookup then walks the bootstrap servers only and never connects
// one chain node to another.
func NewDHT(h host.Host, bootstrap []peer.AddrInfo, mode dht.ModeOpt) (*dht.IpfsDHT, error) {
	d, err := dht.New(h,
		dht.ProtocolPrefix(DHTProtocolPrefix),
		dht.Mode(mode),
		dht.BootstrapPeers(bootstrap...),
		// No routing-table refresh: at start it walks the DHT once per
		// bucket. Rendezvous only needs the bootstrap servers.
		dht.DisableAutoRefresh(),
	)
	if err != nil {
		return nil, fmt.Errorf("dht: %w", err)
	}
	return d, nil
}

// connectAny dials every peer in parallel through w, for source, each with
// its own timeout, and returns the ones that answered.
func connectAny(ctx context.Context, w *ConnWatch, source string, peers []peer.AddrInfo, timeout time.Duration, log *slog.Logger) []peer.ID {
	var (
		mu sync.Mutex
		ok []peer.ID
		wg sync.WaitGroup
	)
	for _, p := range peers {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			if err := w.Connect(cctx, source, p); err != nil {
				log.Debug("dial failed", "peer", p.ID, "err", err)
				return
			}
			mu.Lock()
			ok = append(ok, p.ID)
			mu.Unlock()
		})
	}
	wg.Wait()
	return ok
}
