package p2p

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/devchain/devchain/internal/testutil"
	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/identity"
	"github.com/devchain/devchain/node/mempool"
	"github.com/devchain/devchain/node/miner"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

var testParams = chain.DefaultParams().WithBits(8)

var testNetKey = identity.NetworkKeyFromSeed("p2p-test")

func testLog() *slog.Logger {
	if os.Getenv("P2P_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// testNode is a host with a chain, a mempool and the sync protocol, wired
// as the daemon wires them.
type testNode struct {
	host  host.Host
	gater *Gater
	chain *blockchain.Chain
	pool  *mempool.Pool
	sync  *Sync
	stop  func() // closes the node early; idempotent, and the test's cleanup calls it too
}

func newTestNode(t testing.TB, params chain.Params) *testNode {
	t.Helper()
	return newTestNodeWith(t, params, nil)
}

// newTestNodeWith is newTestNode with the sync configuration adjusted by
// tune (when not nil).
func newTestNodeWith(t testing.TB, params chain.Params, tune func(*SyncConfig)) *testNode {
	t.Helper()
	key, err := identity.LoadOrCreate(t.TempDir()+"/identity.key", "")
	if err != nil {
		t.Fatal(err)
	}
	h, g, err := NewHost(HostConfig{Key: key, NetworkKey: testNetKey, ListenHost: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := blockchain.Open(t.TempDir(), params)
	if err != nil {
		t.Fatal(err)
	}
	n := &testNode{host: h, gater: g, chain: c, pool: mempool.New(c)}
	cfg := SyncConfig{Host: h, Conns: WatchConns(h), Gater: g, Chain: c, Pool: n.pool, Log: testLog(), UserAgent: "test"}
	if tune != nil {
		tune(&cfg)
	}
	n.sync = NewSync(cfg)
	c.Subscribe(func(ev blockchain.Event) {
		n.pool.Update(ev.Connected, ev.Disconnected)
		hashes := make([]chain.Hash, len(ev.Connected))
		for i, b := range ev.Connected {
			hashes[i] = b.Hash()
		}
		n.sync.AnnounceBlocks(hashes)
	})
	n.sync.Start()
	n.stop = sync.OnceFunc(func() {
		n.sync.Close()
		h.Close()
		c.Close()
	})
	t.Cleanup(n.stop)
	return n
}

func (n *testNode) info() peer.AddrInfo { return peer.AddrInfo{ID: n.host.ID(), Addrs: n.host.Addrs()} }

func (n *testNode) connect(t testing.TB, other *testNode) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.host.Connect(ctx, other.info()); err != nil {
		t.Fatalf("connect: %v", err)
	}
}

func (n *testNode) mine(t testing.TB, blocks int) {
	t.Helper()
	if _, err := miner.MineBlocks(context.Background(), n.chain, [20]byte{1}, blocks, nil); err != nil {
		t.Fatalf("mine: %v", err)
	}
}

func (n *testNode) height() uint64 {
	_, h, _ := n.chain.Tip()
	return h
}

func (n *testNode) tip() chain.Hash {
	h, _, _ := n.chain.Tip()
	return h
}

// waitFor polls cond until it holds or the deadline passes.
var waitFor = testutil.WaitFor
