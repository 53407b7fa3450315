package blockchain

import (
	"testing"

	"github.com/devchain/devchain/node/chain"
)

// A transaction checked on its way into the mempool is verified once per
// input: building the block template and connecting the block it is in
// verify nothing again. A block of transactions the node never saw is
// verified when it connects.
func TestSignaturesVerifiedOncePerTx(t *testing.T) {
	c := openTest(t)
	alice, bob := newKey(t), newKey(t)
	a1 := extend(t, c, alice.PubKeyHash(), 0)
	a2 := extend(t, c, alice.PubKeyHash(), 0)
	tx := pay(t, alice, []chain.OutPoint{coinbaseOut(a1), coinbaseOut(a2)}, chain.TxOut{Value: 90, PubKeyHash: bob.PubKeyHash()})
	before := c.SigVerifications()
	if _, err := c.CheckTx(tx, nil); err != nil {
		t.Fatal(err)
	}
	if n := c.SigVerifications() - before; n != 2 {
		t.Fatalf("CheckTx of a 2-input tx verified %d signatures, want 2", n)
	}
	if _, err := c.CheckTx(tx, nil); err != nil || c.SigVerifications()-before != 2 {
		t.Fatalf("a second CheckTx verified again (%d in all, %v)", c.SigVerifications()-before, err)
	}
	b, err := c.Template(alice.PubKeyHash(), []*chain.Tx{tx})
	if err != nil || len(b.Txs) != 2 {
		t.Fatalf("template: %v, %d txs", err, len(b.Txs))
	}
	chain.SolveHeader(&b.Header, 0, 1, nil)
	if res, err := c.ProcessBlock(b); err != nil || res.Status != Connected {
		t.Fatalf("the block with the tx: %v %v", res.Status, err)
	}
	if n := c.SigVerifications() - before; n != 2 {
		t.Errorf("after the template and the block: %d verifications, want still 2", n)
	}

	// A block from elsewhere, with a tx this chain never checked.
	unseen := pay(t, bob, []chain.OutPoint{{TxID: tx.ID()}}, chain.TxOut{Value: 80, PubKeyHash: alice.PubKeyHash()})
	before = c.SigVerifications()
	extend(t, c, alice.PubKeyHash(), 10, unseen)
	if n := c.SigVerifications() - before; n != 1 {
		t.Errorf("a block with an unseen 1-input tx: %d verifications, want 1", n)
	}
}
