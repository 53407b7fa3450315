package mempool_test

import (
	"context"
	"crypto/elliptic"
	"encoding/asn1"
	"math/big"
	"testing"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/mempool"
	"github.com/devchain/devchain/node/miner"
	"github.com/devchain/devchain/node/txbuilder"
	"github.com/devchain/devchain/node/wallet"
)

// A relayed payment and its high-S twin (signature (r, N−s): the same
// payment under another txid). The pool, checking against a real chain,
// refuses the twin with RuleHighS whichever comes first.
func TestHighSTwinRefused(t *testing.T) {
	c, err := blockchain.Open(t.TempDir(), chain.DefaultParams().WithBits(4))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	alice, err := wallet.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := miner.MineBlocks(context.Background(), c, alice.PubKeyHash(), 1, nil); err != nil {
		t.Fatal(err)
	}
	tx, err := txbuilder.SendFromChain(c, alice, nil, [20]byte{9}, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	twin := *tx
	twin.Inputs = append([]chain.TxIn(nil), tx.Inputs...)
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(twin.Inputs[0].Signature, &rs); err != nil {
		t.Fatal(err)
	}
	rs.S.Sub(elliptic.P256().Params().N, rs.S)
	if twin.Inputs[0].Signature, err = asn1.Marshal(rs); err != nil {
		t.Fatal(err)
	}

	p := mempool.New(c)
	added, err := p.Add(&twin)
	t.Logf("tx %s, high-S twin %s: Add(twin) added=%v, %v", tx.ID(), twin.ID(), added, err)
	if added || chain.RuleOf(err) != chain.RuleHighS {
		t.Fatalf("Add(high-S twin) = %v, %v; want refused with rule %s", added, err, chain.RuleHighS)
	}
	if added, err := p.Add(tx); !added || err != nil {
		t.Fatalf("Add(original) = %v, %v", added, err)
	}
	if _, err := p.Add(&twin); chain.RuleOf(err) != chain.RuleHighS {
		t.Fatalf("Add(twin) after the original: %v, want rule %s", err, chain.RuleHighS)
	}
	if p.Len() != 1 || !p.Has(tx.ID()) {
		t.Fatalf("pool holds %d txs, want only the original", p.Len())
	}
}
