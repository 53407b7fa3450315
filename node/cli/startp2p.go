package cli

import (
	"errors"
	"fmt"
	"github.com/devchain/devchain/node/shaping"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/node/daemon"
	"github.com/devchain/devchain/node/identity"
	"github.com/libp2p/go-libp2p/core/pnet"
)

// p2pFlags are the network flags startp2p and bootstrap share.
type p2pFlags struct {
	port         int
	listenHost   string
	networkKey   string
	networkSeed  string
	identitySeed string
	rpc          string
	rpcTokenFile string
	rpcHosts     []string
}

func (f *p2pFlags) register(cmd *cobra.Command, rpcDefault, rpcHelp string) {
	fl := cmd.Flags()
	fl.IntVar(&f.port, "port", 0, "p2p TCP port (startp2p: default NODE_ID when it is a port number, else any free port)")
	fl.StringVar(&f.listenHost, "listen-host", "0.0.0.0", "p2p listen address")
	fl.StringVar(&f.networkKey, "network-key", "", "private network key file (/key/swarm/psk/1.0.0/); default: derived from the genesis hash")
	fl.StringVar(&f.networkSeed, "network-seed", "", "derive the private network key from this seed, as devnet does from a scenario's network.seed (instead of --network-key)")
	fl.StringVar(&f.identitySeed, "identity-seed", "", "derive the libp2p identity from this seed (deterministic peer ID)")
	fl.StringVar(&f.rpc, "rpc", rpcDefault, rpcHelp)
	fl.StringVar(&f.rpcTokenFile, "rpc-token-file", "", "the control API's token is this file's content (default: a random one); either way it goes to <datadir>/rpc.cookie (mode 0600), where the CLI reads it")
	fl.StringSliceVar(&f.rpcHosts, "rpc-allow-host", nil, "a name the control API answers to in the Host header besides IP addresses and localhost (repeatable; others get 403, against DNS rebinding)")
}

// psk is the private network key the flags give; nil: the default one.
func (f *p2pFlags) psk() (pnet.PSK, error) {
	switch {
	case f.networkKey != "" && f.networkSeed != "":
		return nil, errors.New("--network-key and --network-seed both give the network key: use one")
	case f.networkSeed != "":
		return identity.NetworkKeyFromSeed(f.networkSeed), nil
	case f.networkKey != "":
		return identity.ReadNetworkKey(f.networkKey)
	}
	return nil, nil
}

func newStartP2PCmd(e *Env) *cobra.Command {
	var (
		nf           p2pFlags
		rendezvous   string
		bootstrap    []string
		peers        []string
		announce     []string
		minter       string
		mineInterval time.Duration
		intervalOnly bool
		secio        bool
		targetPeers  int
		maxPeers     int
		links        string
		memLimit     string
	)
	cmd := &cobra.Command{
		Use:   "startp2p -rendezvous NAME [-port P] [-bootstrap MADDR ...] [-minter ADDR|ALIAS] [-rpc HOST:PORT]",
		Short: "run the node: find peers (peer DB, then rendezvous), sync, relay, mine with -minter, serve the control API",
		Args:  cobra.NoArgs,
	}
	nf.register(cmd, "127.0.0.1:0", "control API address (the chosen one goes to <datadir>/rpc.addr)")
	fl := cmd.Flags()
	fl.StringVar(&rendezvous, "rendezvous", "devchain", "rendezvous string nodes of one network advertise and look for")
	fl.StringArrayVar(&bootstrap, "bootstrap", nil, "bootstrap peer multiaddr /ip4/.../tcp/P/p2p/ID (repeatable, or comma-separated)")
	fl.StringArrayVar(&peers, "peer", nil, "same as -bootstrap (the tutorial's name)")
	fl.StringArrayVar(&announce, "announce", nil, "tell peers only this p2p address, e.g. /dns4/NAME/tcp/4001 (repeatable); default: every interface address")
	fl.StringVar(&minter, "minter", "", "mine blocks with mempool transactions, paying this address or alias")
	fl.DurationVar(&mineInterval, "mine-interval", 0, "with -minter: also mine a block every interval, even with an empty mempool")
	fl.BoolVar(&intervalOnly, "mine-interval-only", false, "with --mine-interval: mine only every interval, not also as soon as transactions arrive")
	fl.IntVar(&targetPeers, "target-peers", 8, "dial discovered and saved peers only until the node has this many")
	fl.IntVar(&maxPeers, "max-peers", 0, "close connections (inbound too) beyond this many; 0: 4 x --target-peers, -1: no limit")
	fl.StringVar(&links, "links", "", "conditions of the traffic to every peer, e.g. delay=100ms,jitter=10ms,bandwidth=1mbit,loss=5% (POST /admin/links changes them)")
	fl.StringVar(&memLimit, "memory-limit", defaultMemoryLimit, "soft limit of the node's Go memory (e.g. 96MiB; 0: none); GOMEMLIMIT in the environment wins when this flag is not given")
	fl.BoolVar(&secio, "secio", false, "accepted for the tutorial's command line; ignored (Noise replaces SECIO)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if secio {
			fmt.Fprintln(cmd.ErrOrStderr(), "note: -secio is ignored; connections are secured with Noise")
		}
		dir, err := e.DataDir()
		if err != nil {
			return err
		}
		psk, err := nf.psk()
		if err != nil {
			return err
		}
		port := nf.port
		if !cmd.Flags().Changed("port") {
			port = portFromNodeID(e.Getenv("NODE_ID"))
		}
		if mineInterval > 0 && minter == "" {
			return fmt.Errorf("startp2p: --mine-interval needs -minter")
		}
		if intervalOnly && mineInterval == 0 {
			return fmt.Errorf("startp2p: --mine-interval-only needs --mine-interval")
		}
		rule, err := shaping.Parse(links)
		if err != nil {
			return fmt.Errorf("startp2p: --links: %w", err)
		}
		if err := applyMemoryLimit(memLimit, cmd.Flags().Changed("memory-limit"), e.Getenv("GOMEMLIMIT") != ""); err != nil {
			return fmt.Errorf("startp2p: --memory-limit: %w", err)
		}
		return daemon.Run(cmd.Context(), daemon.Config{
			DataDir: dir, Params: e.Params(), AdoptNetwork: !e.difficultySet,
			ListenHost: nf.listenHost, Port: port, Announce: announce, IdentitySeed: nf.identitySeed, NetworkKey: psk,
			Bootstrap: splitList(append(bootstrap, peers...)), Rendezvous: rendezvous,
			Minter: minter, MineInterval: mineInterval, MineIntervalOnly: intervalOnly, RPCAddr: nf.rpc, RPCTokenFile: nf.rpcTokenFile, RPCHosts: nf.rpcHosts, Log: slog.Default(),
			TargetPeers: targetPeers, MaxPeers: maxPeers, Links: rule,
		})
	}
	return cmd
}

// portFromNodeID is the tutorial's default: NODE_ID is the port.
func portFromNodeID(id string) int {
	n, err := strconv.Atoi(id)
	if err != nil || n < 1 || n > 65535 {
		return 0
	}
	return n
}

// splitList accepts repeated flags and comma-separated values alike.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
