package blockchain

import (
	"crypto/elliptic"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/store"
)

// highSTwin is tx with the signature of input 0 replaced by its twin
// (r, N−s): the same payment, still a valid ECDSA signature, another txid.
func highSTwin(t *testing.T, tx *chain.Tx) *chain.Tx {
	t.Helper()
	twin := *tx
	twin.Inputs = append([]chain.TxIn(nil), tx.Inputs...)
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(twin.Inputs[0].Signature, &rs); err != nil {
		t.Fatal(err)
	}
	rs.S.Sub(elliptic.P256().Params().N, rs.S)
	sig, err := asn1.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	twin.Inputs[0].Signature = sig
	if twin.ID() == tx.ID() {
		t.Fatal("the twin has the same txid")
	}
	return &twin
}

// The high-S twin of a relayed payment is refused by block validation and
// by CheckTx (the mempool's check) with RuleHighS, and the original is
// still accepted.
func TestHighSTwinRefused(t *testing.T) {
	c := openTest(t)
	alice, bob := newKey(t), newKey(t)
	b1 := extend(t, c, alice.PubKeyHash(), 0)
	tx := pay(t, alice, []chain.OutPoint{coinbaseOut(b1)}, chain.TxOut{Value: 40, PubKeyHash: bob.PubKeyHash()})
	twin := highSTwin(t, tx)

	_, errTx := c.CheckTx(twin, nil)
	tip, height, _ := c.Tip()
	bad := build(t, c, tip, alice.PubKeyHash(), 10, []*chain.Tx{twin}, nil)
	_, errBlock := c.ProcessBlock(bad)
	t.Logf("tx %s, high-S twin %s: CheckTx: %v; block %s: %v", tx.ID(), twin.ID(), errTx, bad.Hash(), errBlock)
	for what, err := range map[string]error{"CheckTx": errTx, "ProcessBlock": errBlock} {
		if !errors.Is(err, ErrInvalid) || chain.RuleOf(err) != chain.RuleHighS {
			t.Errorf("%s of the high-S twin: %v, want rule %s", what, err, chain.RuleHighS)
		}
	}
	if errBlock != nil && !strings.Contains(errBlock.Error(), twin.ID().String()) {
		t.Errorf("block error %q does not name the tx", errBlock)
	}
	if h, n, _ := c.Tip(); h != tip || n != height {
		t.Fatalf("tip moved to %s at %d", h, n)
	}
	if _, err := c.CheckTx(tx, nil); err != nil {
		t.Fatalf("the original tx: %v", err)
	}
	extend(t, c, alice.PubKeyHash(), 10, tx)
	mustVerify(t, c)
}

// A data dir whose main chain holds a high-S signature (written before the
// rule) fails to open with an error naming the block and the tx, instead
// of running on a chain every peer refuses.
func TestOpenRefusesStoredHighS(t *testing.T) {
	dir := t.TempDir()
	c, err := Open(dir, testParams())
	if err != nil {
		t.Fatal(err)
	}
	alice, bob := newKey(t), newKey(t)
	b1 := extend(t, c, alice.PubKeyHash(), 0)
	twin := highSTwin(t, pay(t, alice, []chain.OutPoint{coinbaseOut(b1)}, chain.TxOut{Value: 40, PubKeyHash: bob.PubKeyHash()}))
	b := build(t, c, tipHash(c), alice.PubKeyHash(), 10, []*chain.Tx{twin}, nil)
	// Connect it as a node without the rule did: every check but the signatures'.
	c.mu.Lock()
	n := &node{hash: b.Hash(), parent: c.tip(), height: b.Header.Height, time: b.Header.Timestamp, work: c.tip().work + workOf(b.Header.Bits)}
	err = c.db.Update(func(x *store.Txn) error {
		_, spent, err := spendInputs(x, twin)
		if err != nil {
			return err
		}
		if err := x.PutBlock(n.hash, b); err != nil {
			return err
		}
		return applyBlock(x, b, b.TxIDs(), spent, n)
	})
	c.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	c2, err := Open(dir, testParams())
	if err == nil {
		c2.Close()
	}
	t.Logf("open of a data dir holding high-S tx %s in block %s: %v", twin.ID(), b.Hash(), err)
	if chain.RuleOf(err) != chain.RuleHighS || !strings.Contains(err.Error(), twin.ID().String()) || !strings.Contains(err.Error(), b.Hash().String()) {
		t.Fatalf("open: %v; want rule %s naming tx %s and block %s", err, chain.RuleHighS, twin.ID(), b.Hash())
	}
}
