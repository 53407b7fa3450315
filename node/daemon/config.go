// Package daemon assembles a running node: chain store, mempool, libp2p
// host, sync protocol, peer DB and rendezvous discovery, minter and control
// API; and the bootstrap server.
package daemon

import (
	"github.com/devchain/devchain/node/shaping"
	"log/slog"
	"time"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/identity"
	"github.com/libp2p/go-libp2p/core/pnet"
)

// Config describes one node (chaind startp2p).
type Config struct {
	DataDir string
	Params  chain.Params
	// AdoptNetwork opens an existing data dir with the network it was
	// created for (no --difficulty given) instead of refusing a mismatch.
	AdoptNetwork bool
	ListenHost   string // p2p; "0.0.0.0" when empty
	Port         int    // p2p; 0 picks one
	// Announce are the only p2p addresses the node tells peers
	// (--announce; p2p.HostConfig.Announce); none: its interface addresses.
	Announce     []string
	IdentitySeed string   // derive the libp2p identity from it (devnets)
	NetworkKey   pnet.PSK // nil: DefaultNetworkKey of the chain's params
	Bootstrap    []string // full multiaddrs of bootstrap peers
	Rendezvous   string
	Minter       string        // alias or address; empty: no minting loop
	MineInterval time.Duration // with Minter: mine every interval even with an empty mempool
	// MineIntervalOnly: with MineInterval, mine only every interval, not
	// also as soon as transactions arrive (blocks at a steady pace, as a
	// load test wants them).
	MineIntervalOnly bool
	RPCAddr          string // control API; "127.0.0.1:0" when empty
	// RPCTokenFile holds the control API's token (--rpc-token-file); ""
	// makes a random one. Either way it goes to <DataDir>/rpc.cookie.
	RPCTokenFile string
	// RPCHosts are names the control API answers to besides IP addresses
	// and localhost (--rpc-allow-host).
	RPCHosts  []string
	Log       *slog.Logger
	UserAgent string
	// TargetPeers: discovery and redial dial until the node has this many
	// peers (8 if zero). MaxPeers: the node never holds more connections
	// than this, inbound ones and the bootstrap's included; beyond it new
	// ones are refused as they open (4×TargetPeers if zero; <0: no limit).
	TargetPeers int
	MaxPeers    int
	// Links is the link rule of every peer until POST /admin/links changes
	// it (--links); the zero Rule shapes nothing.
	Links shaping.Rule

	// Tuning, mostly for tests; zero means the production default.
	DiscoveryInterval time.Duration // between rendezvous lookups (10 s)
	RedialInterval    time.Duration // between redials of saved peers (5 s)
	DialTimeout       time.Duration // per saved-peer dial at start (1 s)
	BanFor            time.Duration // misbehaving peers refused (10 min)
	ConnGrace         time.Duration // new connections the connection manager spares (20 s); under the cap it never trims
}

// DefaultNetworkKey is the pnet key a node uses without --network-key: it
// is derived from the genesis hash, so every node of a network shares it
// and the tutorial's commands work as written.
func DefaultNetworkKey(p chain.Params) pnet.PSK {
	return identity.NetworkKeyFromSeed("genesis:" + chain.GenesisBlock(p).Hash().String())
}

func (c *Config) defaults() {
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.RPCAddr == "" {
		c.RPCAddr = "127.0.0.1:0"
	}
	if c.TargetPeers <= 0 {
		c.TargetPeers = 8
	}
	if c.MaxPeers == 0 {
		c.MaxPeers = 4 * c.TargetPeers
	}
	if c.UserAgent == "" {
		c.UserAgent = "chaind/0.1"
	}
}
