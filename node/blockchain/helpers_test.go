package blockchain

import (
	"testing"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/store"
	"github.com/devchain/devchain/node/wallet"
)

// testBits keeps mining in tests to a handful of hashes.
const testBits = 4

func testParams() chain.Params { return chain.DefaultParams().WithBits(testBits) }

func openTest(t testing.TB) *Chain {
	t.Helper()
	c, err := Open(t.TempDir(), testParams())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newKey(t testing.TB) *wallet.Key {
	t.Helper()
	k, err := wallet.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// build makes a valid block on parent (a stored block) at the next height
// paying subsidy+fee to payTo with txs; mutate, if given, changes it before
// the Merkle root is computed and the header solved.
func build(t testing.TB, c *Chain, parent chain.Hash, payTo [20]byte, fee uint64, txs []*chain.Tx, mutate func(*chain.Block)) *chain.Block {
	t.Helper()
	pb, err := c.Block(parent)
	if err != nil {
		t.Fatal(err)
	}
	h := pb.Header.Height + 1
	b := &chain.Block{
		Header: chain.Header{Version: chain.BlockVersion, Height: h, Timestamp: pb.Header.Timestamp + 1,
			PrevHash: parent, Bits: c.Params().Bits},
		Txs: append([]*chain.Tx{chain.NewCoinbase(h, payTo, c.Params().Subsidy+fee, nil)}, txs...),
	}
	if mutate != nil {
		mutate(b)
	}
	b.Header.MerkleRoot = chain.MerkleRoot(b.TxIDs())
	chain.SolveHeader(&b.Header, 0, 1, nil)
	return b
}

func tipHash(c *Chain) chain.Hash { h, _, _ := c.Tip(); return h }

// extend builds and connects a block on the tip.
func extend(t testing.TB, c *Chain, payTo [20]byte, fee uint64, txs ...*chain.Tx) *chain.Block {
	t.Helper()
	b := build(t, c, tipHash(c), payTo, fee, txs, nil)
	res, err := c.ProcessBlock(b)
	if err != nil || res.Status != Connected {
		t.Fatalf("extend: %v, %v", res.Status, err)
	}
	return b
}

// pay builds a signed transaction spending the given outputs (owned by key)
// to the outputs given.
func pay(t testing.TB, key *wallet.Key, ins []chain.OutPoint, outs ...chain.TxOut) *chain.Tx {
	t.Helper()
	tx := &chain.Tx{Version: chain.TxVersion, Outputs: outs}
	for _, op := range ins {
		tx.Inputs = append(tx.Inputs, chain.TxIn{Prev: op})
	}
	if err := key.SignInputs(tx); err != nil {
		t.Fatal(err)
	}
	return tx
}

func coinbaseOut(b *chain.Block) chain.OutPoint {
	return chain.OutPoint{TxID: b.Txs[0].ID(), Index: 0}
}

func balance(t testing.TB, c *Chain, k *wallet.Key) uint64 {
	t.Helper()
	v, err := c.Balance(k.PubKeyHash())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustVerify(t testing.TB, c *Chain) {
	t.Helper()
	if err := c.Verify(); err != nil {
		t.Fatal(err)
	}
}

func utxoSet(t testing.TB, c *Chain) map[chain.OutPoint]chain.TxOut {
	t.Helper()
	m := map[chain.OutPoint]chain.TxOut{}
	err := c.db.View(func(x *store.Txn) error {
		return x.ForEachUTXO(func(op chain.OutPoint, out chain.TxOut) error { m[op] = out; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
