package daemon

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/controlapi"
)

func gateAll(t *testing.T, nodes []*Node, deny []*Node) {
	t.Helper()
	ids := make([]string, len(deny))
	for i, n := range deny {
		ids[i] = n.Host.ID().String()
	}
	for _, n := range nodes {
		if _, err := n.client().Gate(context.Background(), ids); err != nil {
			t.Fatalf("gate: %v", err)
		}
	}
}

// Two halves mine apart, then reconnect: all converge on the most-work tip,
// and a tx confirmed only on the losing side returns to the mempool and is
// confirmed again.
func TestPartitionHealsOnMostWork(t *testing.T) {
	b := startBootstrap(t)
	var all []*Node
	for _, name := range []string{"a", "b", "c", "d"} {
		all = append(all, startNode(t, testConfig(t, name, b.Addrs()...)))
	}
	left, right := all[:2], all[2:]
	waitFor(t, 30*time.Second, "4 nodes to connect", func() bool { return allPeers(3, all...) })
	a, c := left[0], right[0]
	ctx := context.Background()
	a.mint(t, "wa", 2)
	waitFor(t, 20*time.Second, "all at height 2", func() bool { return sameTip(all...) })

	gateAll(t, left, right)
	gateAll(t, right, left)
	waitFor(t, 20*time.Second, "the halves to split", func() bool {
		for _, n := range all {
			if n.Sync.PeerCount() != 1 {
				return false
			}
		}
		return true
	})

	if _, err := a.client().CreateWallet(ctx, "wx"); err != nil {
		t.Fatal(err)
	}
	sent, err := a.client().Send(ctx, "wa", "wx", 10)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	id, _ := chain.ParseHash(sent.TxID)
	a.mint(t, "wa", 1) // the tx is confirmed on the left only
	waitFor(t, 20*time.Second, "the left half at height 3", func() bool { return sameTip(left...) && a.height() == 3 })
	if a.Pool.Has(id) {
		t.Fatal("confirmed tx still in the mempool")
	}
	c.mint(t, "wc", 3)
	waitFor(t, 20*time.Second, "the right half at height 5", func() bool { return sameTip(right...) && c.height() == 5 })

	gateAll(t, all, nil)
	waitFor(t, 15*time.Second, "all on the right half's tip", func() bool { return sameTip(all...) && a.tip() == c.tip() })
	waitFor(t, 20*time.Second, "the tx back in the mempools, right half included", func() bool {
		return a.Pool.Has(id) && c.Pool.Has(id)
	})
	r := c.mint(t, "wc", 1)
	blk, err := c.client().Block(ctx, r.Blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(blk.Txs, func(tx controlapi.Tx) bool { return tx.TxID == sent.TxID }) {
		t.Fatalf("block %s at height %d does not carry tx %s", blk.Hash, blk.Height, sent.TxID)
	}
	waitFor(t, 20*time.Second, "all at height 6 with the tx confirmed", func() bool {
		return sameTip(all...) && !a.Pool.Has(id) && a.height() == 6
	})
}
