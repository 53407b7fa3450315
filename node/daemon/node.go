package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/eventlog"
	"github.com/devchain/devchain/node/identity"
	"github.com/devchain/devchain/node/mempool"
	"github.com/devchain/devchain/node/p2p"
	"github.com/devchain/devchain/node/wallet"
)

// Node is a running node.
type Node struct {
	cfg       Config
	Chain     *blockchain.Chain
	Pool      *mempool.Pool
	Keys      *wallet.Wallets
	Host      host.Host
	Gater     *p2p.Gater
	Sync      *p2p.Sync
	Connector *p2p.Connector
	Conns     *p2p.ConnWatch
	peers     *p2p.PeerDB
	dht       *dht.IpfsDHT
	rpc       *controlapi.Server
	payments  payments
	events    *eventlog.Log

	mineMu sync.Mutex // one block template at a time (minter loop, /mint)
	sendMu sync.Mutex // one payment built at a time: two must not pick the same outputs
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once
	// closeChain closes the chain database; a field so that a test can make
	// it hang, as a badger that cannot flush does.
	closeChain func() error
}

// Run runs a node until ctx ends, then shuts it down cleanly.
func Run(ctx context.Context, cfg Config) error {
	n, err := Start(cfg)
	if err != nil {
		return err
	}
	<-ctx.Done()
	return n.Close()
}

// Start opens the data dir and starts every part of the node. Whatever
// fails is named in the error, and what was opened is closed again.
func Start(cfg Config) (n *Node, err error) {
	cfg.defaults()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	n = &Node{cfg: cfg, events: eventlog.New()}
	var closers []func() error
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				_ = closers[i]()
			}
		}
	}()
	key, err := identity.LoadOrCreate(filepath.Join(cfg.DataDir, "identity.key"), cfg.IdentitySeed)
	if err != nil {
		return nil, err
	}
	bootstrap, err := p2p.ParseAddrs(cfg.Bootstrap)
	if err != nil {
		return nil, err
	}
	open := blockchain.Open
	if cfg.AdoptNetwork {
		open = blockchain.OpenAdopting
	}
	if n.Chain, err = open(cfg.DataDir, cfg.Params); err != nil {
		return nil, err
	}
	n.closeChain = n.Chain.Close
	closers = append(closers, n.Chain.Close)
	if cfg.NetworkKey == nil {
		cfg.NetworkKey = DefaultNetworkKey(n.Chain.Params())
		n.cfg.NetworkKey = cfg.NetworkKey
	}
	if n.Keys, err = wallet.Open(cfg.DataDir); err != nil {
		return nil, err
	}
	if n.peers, err = p2p.OpenPeerDB(filepath.Join(cfg.DataDir, "peers")); err != nil {
		return nil, err
	}
	closers = append(closers, n.peers.Close)
	if n.Host, n.Gater, err = p2p.NewHost(p2p.HostConfig{
		Key: key, NetworkKey: cfg.NetworkKey, ListenHost: cfg.ListenHost, Port: cfg.Port, Announce: cfg.Announce, UserAgent: cfg.UserAgent,
		MaxConns: max(cfg.MaxPeers, 0), LowConns: max(cfg.TargetPeers, cfg.MaxPeers/2), ConnGrace: cfg.ConnGrace,
	}); err != nil {
		return nil, err
	}
	closers = append(closers, n.Host.Close)
	n.Conns = p2p.WatchConns(n.Host)
	if n.dht, err = p2p.NewDHT(n.Host, bootstrap, dht.ModeClient); err != nil {
		return nil, err
	}
	closers = append(closers, n.dht.Close)

	n.Pool = mempool.New(n.Chain)
	if err := n.restorePayments(); err != nil {
		return nil, fmt.Errorf("kept payments: %w", err)
	}
	n.Sync = p2p.NewSync(p2p.SyncConfig{
		Host: n.Host, Conns: n.Conns, Gater: n.Gater, Chain: n.Chain, Pool: n.Pool, Log: cfg.Log,
		UserAgent: cfg.UserAgent, BanFor: cfg.BanFor, OnEvent: n.events.Add,
	})
	n.Connector = p2p.NewConnector(p2p.ConnectorConfig{
		Host: n.Host, Conns: n.Conns, Gater: n.Gater, DHT: n.dht, PeerDB: n.peers, Bootstrap: bootstrap,
		Rendezvous: cfg.Rendezvous, PeerCount: n.Sync.PeerCount, DialTimeout: cfg.DialTimeout,
		DiscoveryInterval: cfg.DiscoveryInterval, RedialInterval: cfg.RedialInterval,
		TargetPeers: cfg.TargetPeers, Log: cfg.Log,
	})
	n.Sync.SetOnPeer(n.Connector.Saw)
	if err := n.Sync.SetLinks(cfg.Links, nil); err != nil {
		return nil, fmt.Errorf("--links: %w", err)
	}
	n.Chain.Subscribe(n.onChainEvent)

	var minterPKH [20]byte
	if cfg.Minter != "" {
		if minterPKH, err = n.Keys.Resolve(cfg.Minter); err != nil {
			return nil, fmt.Errorf("-minter: %w", err)
		}
	}
	if n.rpc, err = controlapi.Listen(cfg.RPCAddr, n, controlapi.Auth{TokenFile: cfg.RPCTokenFile, DataDir: cfg.DataDir, Hosts: cfg.RPCHosts}, cfg.Log); err != nil {
		return nil, err
	}
	closers = append(closers, n.rpc.Close)
	if err = controlapi.WriteAddrFile(cfg.DataDir, n.rpc.Addr()); err != nil {
		return nil, err
	}

	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	n.Sync.Start()
	n.Connector.Start()
	if cfg.Minter != "" {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.minterLoop(ctx, minterPKH)
		}()
	}
	tip, height, _ := n.Chain.Tip()
	cfg.Log.Info("node started", "peer_id", n.Host.ID(), "height", height, "tip", tip,
		"rpc", n.rpc.Addr(), "addrs", p2p.FullAddrs(n.Host))
	return n, nil
}

// RPCAddr is the control API's dialable address.
func (n *Node) RPCAddr() string { return n.rpc.Addr() }

// Addrs are the node's full p2p multiaddrs.
func (n *Node) Addrs() []string { return p2p.FullAddrs(n.Host) }

// Close stops the node: the control API first (and its rpc.addr file),
// then the minter, the network, and the stores last. It returns within
// CloseTimeout whatever the stores do, with an error naming what did not
// close, which it also logs.
func (n *Node) Close() error {
	var err error
	n.closed.Do(func() {
		dir := n.cfg.DataDir
		err = closeWithin(CloseTimeout, []closeStep{
			{"control API", n.rpc.Close},
			{"rpc.addr", func() error { return controlapi.RemoveAddrFile(dir, n.rpc.Addr()) }},
			{"minter", func() error { n.cancel(); n.wg.Wait(); return nil }},
			{"connector", func() error { n.Connector.Close(); return nil }},
			{"sync", func() error { n.Sync.Close(); return nil }},
			{"connection watch", func() error { n.Conns.Close(); return nil }},
			{"DHT", n.dht.Close},
			{"libp2p host", n.Host.Close},
			{"peer database " + filepath.Join(dir, "peers"), n.peers.Close},
			{"chain database " + filepath.Join(dir, "chain"), n.closeChain},
		})
		if err != nil {
			n.cfg.Log.Error("node stopped, not cleanly", "err", err)
			return
		}
		n.cfg.Log.Info("node stopped")
	})
	return err
}

// onChainEvent relays new blocks to the peers, keeps the mempool in step
// with the chain, and relays the txs a reorg returned to the mempool.
func (n *Node) onChainEvent(ev blockchain.Event) {
	hashes := make([]chain.Hash, len(ev.Connected))
	for i, b := range ev.Connected {
		hashes[i] = b.Hash()
	}
	// Blocks go out before the mempool is checked again against them: a
	// big pool takes a while, and the peers need the block, not the pool.
	n.Sync.AnnounceBlocks(hashes)
	if len(ev.Disconnected) > 0 && len(ev.Connected) > 0 {
		tip := ev.Connected[len(ev.Connected)-1]
		n.events.Add(controlapi.Event{Kind: controlapi.EventReorg, Depth: len(ev.Disconnected),
			Height: tip.Header.Height, Tip: tip.Hash().String()})
	}
	back := n.Pool.Update(ev.Connected, ev.Disconnected)
	n.followPayments(ev)
	if len(back) > 0 {
		n.Sync.AnnounceTxs(back)
	}
}
