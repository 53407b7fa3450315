package daemon

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/wallet"
)

// A payment a lone node accepted survives its restart (kept in its chain
// database, pooled again at start), reaches a minter met only afterwards
// (the pool is offered to a peer just met), confirms, and is forgotten
// once buried paymentDepth deep.
func TestAcceptedPaymentOutlivesRestart(t *testing.T) {
	ctx := context.Background()
	boot := startBootstrap(t)
	cfgA := testConfig(t, "a", boot.Addrs()...)
	a := startNode(t, cfgA)
	a.mint(t, "wa", 2)
	if _, err := a.client().CreateWallet(ctx, "wx"); err != nil {
		t.Fatal(err)
	}
	sent, err := a.client().Send(ctx, "wa", "wx", 10)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	id, _ := chain.ParseHash(sent.TxID)
	if sent.Tx == nil || len(sent.Tx.Inputs) == 0 {
		t.Fatalf("the send reply names no inputs: %+v", sent)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	a = startNode(t, cfgA)
	if !a.Pool.Has(id) || !slices.Contains(a.payments.ids(), id) {
		t.Fatalf("after a restart: pooled %v, kept %v; want the payment in both", a.Pool.Has(id), a.payments.ids())
	}
	cfgM := testConfig(t, "m", boot.Addrs()...)
	if err := os.MkdirAll(cfgM.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	ws, err := wallet.Open(cfgM.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.Create("wm"); err != nil {
		t.Fatal(err)
	}
	cfgM.Minter = "wm"
	m := startNode(t, cfgM)
	// Runs before the nodes close: what each held when a wait failed.
	t.Cleanup(func() {
		if t.Failed() {
			for name, n := range map[string]*Node{"a": a, "m": m} {
				t.Logf("%s: height %d, tip %s, %d peers, %d pooled (the payment: %v), %d orphans",
					name, n.height(), n.tip().String()[:12], n.Sync.PeerCount(), n.Pool.Len(), n.Pool.Has(id), n.Pool.Orphans())
			}
		}
	})
	waitFor(t, 30*time.Second, "the minter to confirm the payment on both nodes", func() bool {
		return a.height() >= 3 && sameTip(a, m) && !a.Pool.Has(id)
	})
	if bal, err := a.client().Balance(ctx, "wx"); err != nil || bal.Balance != 10 {
		t.Fatalf("balance of wx: %+v, %v; want 10", bal, err)
	}

	confirmed := a.height()
	a.mint(t, "wa", paymentDepth-1-int(a.height()-confirmed))
	waitFor(t, 10*time.Second, "the buried payment to be forgotten", func() bool {
		kept, err := a.Chain.Payments()
		return err == nil && len(kept) == 0 && len(a.payments.ids()) == 0
	})
}
