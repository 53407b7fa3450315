package daemon

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/devchain/devchain/internal/testutil"
	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/controlapi"
)

var testParams = chain.DefaultParams().WithBits(8)

func testLog(name string) *slog.Logger {
	if os.Getenv("DAEMON_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("node", name)
	}
	return slog.New(slog.DiscardHandler)
}

// testConfig is a loopback node with short discovery and redial periods.
func testConfig(t testing.TB, name string, bootstrap ...string) Config {
	return Config{
		DataDir:           filepath.Join(t.TempDir(), name),
		Params:            testParams,
		ListenHost:        "127.0.0.1",
		Bootstrap:         bootstrap,
		Rendezvous:        "test-rendezvous",
		Log:               testLog(name),
		DiscoveryInterval: 200 * time.Millisecond,
		RedialInterval:    200 * time.Millisecond,
	}
}

func startNode(t testing.TB, cfg Config) *Node {
	t.Helper()
	n, err := Start(cfg)
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// startAll starts nodes at once, as a devnet does.
func startAll(t testing.TB, cfgs ...Config) []*Node {
	t.Helper()
	nodes := make([]*Node, len(cfgs))
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		wg.Go(func() {
			n, err := Start(cfg)
			if err != nil {
				t.Errorf("start node %d: %v", i, err)
				return
			}
			t.Cleanup(func() { n.Close() })
			nodes[i] = n
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return nodes
}

func startBootstrap(t testing.TB) *Bootstrap {
	t.Helper()
	b, err := StartBootstrap(BootstrapConfig{
		KeyFile: filepath.Join(t.TempDir(), "bootstrap.key"), Params: testParams,
		ListenHost: "127.0.0.1", Log: testLog("bootstrap"),
	})
	if err != nil {
		t.Fatalf("start bootstrap: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// client is the node's API client, with the token the node wrote in its
// data dir, as chaind's CLI uses it.
func (n *Node) client() *controlapi.Client {
	token, _ := controlapi.ReadCookie(n.cfg.DataDir)
	return controlapi.NewClient(n.RPCAddr()).WithToken(token)
}

func (n *Node) status(t testing.TB) controlapi.Status {
	t.Helper()
	s, err := n.client().Status(context.Background())
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	return s
}

func (n *Node) peerList(t testing.TB) []controlapi.Peer {
	t.Helper()
	ps, err := n.client().Peers(context.Background())
	if err != nil {
		t.Fatalf("peers: %v", err)
	}
	return ps
}

func (n *Node) tip() chain.Hash {
	h, _, _ := n.Chain.Tip()
	return h
}

func (n *Node) height() uint64 {
	_, h, _ := n.Chain.Tip()
	return h
}

// mint mines blocks through the control API, paying a new wallet.
func (n *Node) mint(t testing.TB, minter string, blocks int) controlapi.MintReply {
	t.Helper()
	ctx := context.Background()
	c := n.client()
	if ws, _ := c.Wallets(ctx); !hasWallet(ws, minter) {
		if _, err := c.CreateWallet(ctx, minter); err != nil {
			t.Fatalf("create wallet %s: %v", minter, err)
		}
	}
	r, err := c.Mint(ctx, minter, blocks)
	if err != nil {
		t.Fatalf("mint: %v", err)
	}
	return r
}

func hasWallet(ws []controlapi.Wallet, alias string) bool {
	for _, w := range ws {
		if w.Alias == alias {
			return true
		}
	}
	return false
}

// waitFor polls cond until it holds or the deadline passes.
var waitFor = testutil.WaitFor

func sameTip(nodes ...*Node) bool {
	for _, n := range nodes[1:] {
		if n.tip() != nodes[0].tip() {
			return false
		}
	}
	return true
}

func allPeers(want int, nodes ...*Node) bool {
	for _, n := range nodes {
		if n.Sync.PeerCount() < want {
			return false
		}
	}
	return true
}
