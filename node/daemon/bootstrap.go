package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/pnet"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/identity"
	"github.com/devchain/devchain/node/p2p"
)

// BootstrapConfig describes a bootstrap server (chaind bootstrap).
type BootstrapConfig struct {
	KeyFile      string // identity key, created if missing
	IdentitySeed string
	NetworkKey   pnet.PSK // nil: DefaultNetworkKey(Params)
	Params       chain.Params
	ListenHost   string
	Port         int
	Peers        []string // other bootstrap servers to join
	RPCAddr      string   // empty: no control API
	RPCTokenFile string   // the control API's token; "": a random one (in DataDir's rpc.cookie, if any)
	RPCHosts     []string // names the control API answers to besides IPs and localhost
	DataDir      string   // where rpc.addr goes, if set
	Log          *slog.Logger
}

// Bootstrap is a running bootstrap server.
type Bootstrap struct {
	cfg  BootstrapConfig
	Node *p2p.BootstrapNode
	rpc  *controlapi.Server
}

// StartBootstrap starts the DHT server (and its control API when asked).
func StartBootstrap(cfg BootstrapConfig) (*Bootstrap, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.NetworkKey == nil {
		cfg.NetworkKey = DefaultNetworkKey(cfg.Params)
	}
	keyFile := cfg.KeyFile
	if keyFile == "" && cfg.DataDir != "" {
		keyFile = filepath.Join(cfg.DataDir, "identity.key")
	}
	b := &Bootstrap{cfg: cfg}
	key, err := bootstrapKey(keyFile, cfg.IdentitySeed)
	if err != nil {
		return nil, err
	}
	others, err := p2p.ParseAddrs(cfg.Peers)
	if err != nil {
		return nil, err
	}
	if b.Node, err = p2p.StartBootstrap(p2p.HostConfig{
		Key: key, NetworkKey: cfg.NetworkKey, ListenHost: cfg.ListenHost, Port: cfg.Port, UserAgent: "chaind-bootstrap/0.1",
	}, others); err != nil {
		return nil, err
	}
	if cfg.RPCAddr != "" {
		if cfg.DataDir != "" {
			if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
				b.Node.Close()
				return nil, err
			}
		}
		auth := controlapi.Auth{TokenFile: cfg.RPCTokenFile, DataDir: cfg.DataDir, Hosts: cfg.RPCHosts}
		if b.rpc, err = controlapi.Listen(cfg.RPCAddr, bootstrapBackend{b}, auth, cfg.Log); err != nil {
			b.Node.Close()
			return nil, err
		}
		if cfg.DataDir != "" {
			if err := controlapi.WriteAddrFile(cfg.DataDir, b.rpc.Addr()); err != nil {
				b.Close()
				return nil, err
			}
		}
	}
	cfg.Log.Info("bootstrap started", "peer_id", b.Node.Host.ID(), "addrs", b.Node.Addrs())
	return b, nil
}

func bootstrapKey(keyFile, seed string) (crypto.PrivKey, error) {
	switch {
	case keyFile != "":
		return identity.LoadOrCreate(keyFile, seed)
	case seed != "":
		return identity.FromSeed(seed)
	}
	return nil, errors.New("bootstrap: give -key FILE, --datadir or --identity-seed so its peer ID is stable")
}

// RunBootstrap runs a bootstrap server until ctx ends; started is called
// with it once it listens (chaind prints its addresses there).
func RunBootstrap(ctx context.Context, cfg BootstrapConfig, started func(*Bootstrap)) error {
	b, err := StartBootstrap(cfg)
	if err != nil {
		return err
	}
	if started != nil {
		started(b)
	}
	<-ctx.Done()
	return b.Close()
}

// Addrs are the server's full multiaddrs, loopback included.
func (b *Bootstrap) Addrs() []string { return b.Node.Addrs() }

// RPCAddr is the control API's address, or "".
func (b *Bootstrap) RPCAddr() string {
	if b.rpc == nil {
		return ""
	}
	return b.rpc.Addr()
}

// Close stops the control API and the DHT server, within CloseTimeout.
func (b *Bootstrap) Close() error {
	var steps []closeStep
	if b.rpc != nil {
		steps = append(steps, closeStep{"control API", b.rpc.Close})
		if b.cfg.DataDir != "" {
			steps = append(steps, closeStep{"rpc.addr", func() error { return controlapi.RemoveAddrFile(b.cfg.DataDir, b.rpc.Addr()) }})
		}
	}
	steps = append(steps, closeStep{"DHT server", b.Node.Close})
	err := closeWithin(CloseTimeout, steps)
	if err != nil {
		b.cfg.Log.Error("bootstrap stopped, not cleanly", "err", err)
	}
	return err
}

// bootstrapBackend answers the control API for a bootstrap: status,
// peers, health, gate and metrics; chain routes are not available.
type bootstrapBackend struct{ b *Bootstrap }

var errNoChain = fmt.Errorf("%w: a bootstrap server holds no chain", controlapi.ErrUnavailable)

func (bb bootstrapBackend) Status() controlapi.Status {
	h := bb.b.Node.Host
	return controlapi.Status{
		Role: "bootstrap", Genesis: chain.GenesisBlock(bb.b.cfg.Params).Hash().String(),
		PeerID: h.ID().String(), Addrs: bb.b.Addrs(), Peers: len(h.Network().Peers()),
		Connections: bb.b.Node.Conns.Open(), MaxConnections: bb.b.Node.Conns.Max(),
		ConnectedVia: controlapi.ViaNone, RSSBytes: controlapi.RSSBytes(),
	}
}

func (bb bootstrapBackend) Peers() []controlapi.Peer {
	var out []controlapi.Peer
	for _, c := range bb.b.Node.Host.Network().Conns() {
		dir := "inbound"
		if c.Stat().Direction == network.DirOutbound {
			dir = "outbound"
		}
		out = append(out, controlapi.Peer{
			PeerID: c.RemotePeer().String(), Addrs: []string{c.RemoteMultiaddr().String()},
			Direction: dir, Source: bb.b.Node.Conns.Source(c),
		})
	}
	return out
}

func (bootstrapBackend) Block(chain.Hash) (*chain.Block, error) { return nil, errNoChain }
func (bootstrapBackend) BlockAt(uint64) (*chain.Block, error)   { return nil, errNoChain }
func (bootstrapBackend) Balance(string) (controlapi.Balance, error) {
	return controlapi.Balance{}, errNoChain
}
func (bootstrapBackend) Wallets() ([]controlapi.Wallet, error) { return nil, errNoChain }
func (bootstrapBackend) CreateWallet(string) (controlapi.Wallet, error) {
	return controlapi.Wallet{}, errNoChain
}
func (bootstrapBackend) Send(context.Context, controlapi.SendRequest) (*chain.Tx, error) {
	return nil, errNoChain
}
func (bootstrapBackend) Mint(context.Context, controlapi.MintRequest) (controlapi.MintReply, error) {
	return controlapi.MintReply{}, errNoChain
}

// CheckUTXOs: a bootstrap has no UTXO set.
func (bb bootstrapBackend) CheckUTXOs() (controlapi.UTXOCheck, error) {
	return controlapi.UTXOCheck{}, errNoChain
}

// ConnectedAt: a bootstrap connects no blocks.
func (bb bootstrapBackend) ConnectedAt(chain.Hash) (time.Time, bool) { return time.Time{}, false }

// SubmitTx: a bootstrap has no mempool.
func (bb bootstrapBackend) SubmitTx(*chain.Tx) error { return errNoChain }

// SetLinks: a bootstrap runs no sync protocol, so there is nothing to shape.
func (bb bootstrapBackend) SetLinks(controlapi.Links) (controlapi.Links, error) {
	return controlapi.Links{}, fmt.Errorf("%w: a bootstrap server has no chain traffic to shape", controlapi.ErrUnavailable)
}

func (bb bootstrapBackend) Gate(deny []string) ([]string, error) {
	return gate(bb.b.Node.Gater, bb.b.Node.Host.Network().ClosePeer, deny)
}

// Events: a bootstrap keeps no event log (it has no chain, and every node
// of a devnet comes and goes through it).
func (bootstrapBackend) Events(context.Context, uint64, time.Duration) controlapi.EventsReply {
	return controlapi.EventsReply{Events: []controlapi.Event{}}
}

func (bb bootstrapBackend) Metrics() controlapi.Metrics {
	return controlapi.Metrics{Peers: len(bb.b.Node.Host.Network().Peers())}
}
