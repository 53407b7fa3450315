package blockchain

import (
	"testing"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/store"
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

// The UTXO check agrees with itself on a healthy chain, and sees an
// output the store lost.
func TestCheckUTXOs(t *testing.T) {
	c := openTest(t)
	alice, bob := newKey(t), newKey(t)
	a1 := extend(t, c, alice.PubKeyHash(), 0)
	tx := pay(t, alice, []chain.OutPoint{coinbaseOut(a1)}, chain.TxOut{Value: 45, PubKeyHash: bob.PubKeyHash()})
	extend(t, c, alice.PubKeyHash(), 5, tx)
	got, err := c.CheckUTXOs()
	if err != nil {
		t.Fatal(err)
	}
	// Genesis 50, block 2's coinbase 50 + 5, bob's 45: the 150 of three subsidies.
	if got.Stored != got.Rebuilt || got.Height != 2 || got.Stored.Count != 3 || got.Stored.Total != 150 || got.MaxSupply != 150 {
		t.Fatalf("healthy chain: %+v", got)
	}
	bobs := chain.OutPoint{TxID: tx.ID()}
	if err := c.db.Update(func(x *store.Txn) error { return x.SpendUTXO(bobs, tx.Outputs[0]) }); err != nil {
		t.Fatal(err)
	}
	got, err = c.CheckUTXOs()
	if err != nil || got.Stored.Count != 2 || got.Rebuilt.Count != 3 || got.Stored.Digest == got.Rebuilt.Digest {
		t.Fatalf("after the store lost bob's output: %+v, %v", got, err)
	}
}
