package blockchain

import (
	"crypto/elliptic"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/devchain/devchain/node/chain"
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

	_, errTx := c.CheckTx(twin)
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
	if _, err := c.CheckTx(tx); err != nil {
		t.Fatalf("the original tx: %v", err)
	}
	extend(t, c, alice.PubKeyHash(), 10, tx)
	mustVerify(t, c)
}
