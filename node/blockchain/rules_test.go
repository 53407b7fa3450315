package blockchain

import (
	"errors"
	"testing"
	"time"

	"github.com/devchain/devchain/node/chain"
)

// Each consensus rule gets a crafted block that breaks only that rule; the
// block is refused with ErrInvalid naming the rule and the chain is
// unchanged.
func TestRejectionRules(t *testing.T) {
	c := openTest(t)
	alice, bob, eve := newKey(t), newKey(t), newKey(t)
	b1 := extend(t, c, alice.PubKeyHash(), 0)
	b2 := extend(t, c, alice.PubKeyHash(), 0)
	spentOut := coinbaseOut(b2)
	extend(t, c, bob.PubKeyHash(), 0, pay(t, alice, []chain.OutPoint{spentOut}, chain.TxOut{Value: 50, PubKeyHash: bob.PubKeyHash()}))
	tip := tipHash(c)
	sub := c.Params().Subsidy
	aliceOut := coinbaseOut(b1) // unspent, 50, alice's
	good := func() *chain.Tx {
		return pay(t, alice, []chain.OutPoint{aliceOut}, chain.TxOut{Value: 40, PubKeyHash: bob.PubKeyHash()})
	}
	// solvedBad re-solves the header after a change and keeps the Merkle root as built.
	resolve := func(b *chain.Block) *chain.Block { chain.SolveHeader(&b.Header, 0, 1, nil); return b }

	cases := []struct {
		name  string
		rule  chain.Rule
		block func() *chain.Block
	}{
		{"proof of work not met", chain.RulePoW, func() *chain.Block {
			b := build(t, c, tip, alice.PubKeyHash(), 0, nil, nil)
			for chain.CheckProofOfWork(b.Hash(), b.Header.Bits) {
				b.Header.Nonce++
			}
			return b
		}},
		{"bits other than the network's", chain.RulePoW, func() *chain.Block {
			b := build(t, c, tip, alice.PubKeyHash(), 0, nil, nil)
			b.Header.Bits = testBits - 1
			return resolve(b)
		}},
		{"wrong height", chain.RuleHeader, func() *chain.Block {
			return build(t, c, tip, alice.PubKeyHash(), 0, nil, func(b *chain.Block) {
				b.Header.Height++
				b.Txs[0] = chain.NewCoinbase(b.Header.Height, alice.PubKeyHash(), sub, nil)
			})
		}},
		{"coinbase height differs from header", chain.RuleCoinbase, func() *chain.Block {
			return build(t, c, tip, alice.PubKeyHash(), 0, nil, func(b *chain.Block) {
				b.Txs[0] = chain.NewCoinbase(b.Header.Height+1, alice.PubKeyHash(), sub, nil)
			})
		}},
		{"timestamp before the past median", chain.RuleTimestamp, func() *chain.Block {
			return build(t, c, tip, alice.PubKeyHash(), 0, nil, func(b *chain.Block) { b.Header.Timestamp -= 10 })
		}},
		{"timestamp far in the future", chain.RuleTimestamp, func() *chain.Block {
			return build(t, c, tip, alice.PubKeyHash(), 0, nil, func(b *chain.Block) {
				b.Header.Timestamp = time.Now().Unix() + chain.MaxFutureDrift + 60
			})
		}},
		{"merkle root mismatch", chain.RuleMerkle, func() *chain.Block {
			b := build(t, c, tip, alice.PubKeyHash(), 0, []*chain.Tx{good()}, nil)
			b.Header.MerkleRoot[0] ^= 1
			return resolve(b)
		}},
		{"transaction changed after the root was computed", chain.RuleMerkle, func() *chain.Block {
			b := build(t, c, tip, alice.PubKeyHash(), 0, []*chain.Tx{good()}, nil)
			b.Txs[1].Outputs[0].Value = 41
			return resolve(b)
		}},
		{"no transactions", chain.RuleBlockSize, func() *chain.Block {
			return build(t, c, tip, alice.PubKeyHash(), 0, nil, func(b *chain.Block) { b.Txs = nil })
		}},
		{"first transaction not a coinbase", chain.RuleCoinbase, func() *chain.Block {
			return build(t, c, tip, alice.PubKeyHash(), 0, nil, func(b *chain.Block) { b.Txs = []*chain.Tx{good()} })
		}},
		{"second coinbase", chain.RuleCoinbase, func() *chain.Block {
			return build(t, c, tip, alice.PubKeyHash(), 0, nil, func(b *chain.Block) {
				b.Txs = append(b.Txs, chain.NewCoinbase(b.Header.Height, eve.PubKeyHash(), 1, []byte("x")))
			})
		}},
		{"coinbase pays more than subsidy + fees", chain.RuleCoinbaseValue, func() *chain.Block {
			return build(t, c, tip, alice.PubKeyHash(), 11, []*chain.Tx{good()}, nil) // fee is 10
		}},
		{"input-less transaction (minting from nothing)", chain.RuleNoInputs, func() *chain.Block {
			mint := &chain.Tx{Version: chain.TxVersion, Outputs: []chain.TxOut{{Value: 1000, PubKeyHash: eve.PubKeyHash()}}}
			return build(t, c, tip, alice.PubKeyHash(), 0, []*chain.Tx{mint}, nil)
		}},
		{"transaction without outputs", chain.RuleNoOutputs, func() *chain.Block {
			return build(t, c, tip, alice.PubKeyHash(), 50, []*chain.Tx{pay(t, alice, []chain.OutPoint{aliceOut})}, nil)
		}},
		{"zero-value output", chain.RuleOutputValue, func() *chain.Block {
			return build(t, c, tip, alice.PubKeyHash(), 0, []*chain.Tx{pay(t, alice, []chain.OutPoint{aliceOut},
				chain.TxOut{Value: 50, PubKeyHash: bob.PubKeyHash()}, chain.TxOut{Value: 0})}, nil)
		}},
		{"outputs exceed inputs", chain.RuleInsufficient, func() *chain.Block {
			return build(t, c, tip, alice.PubKeyHash(), 0, []*chain.Tx{pay(t, alice, []chain.OutPoint{aliceOut},
				chain.TxOut{Value: 51, PubKeyHash: bob.PubKeyHash()})}, nil)
		}},
		{"spends someone else's output (key does not match)", chain.RuleKeyMismatch, func() *chain.Block {
			theft := pay(t, eve, []chain.OutPoint{aliceOut}, chain.TxOut{Value: 50, PubKeyHash: eve.PubKeyHash()})
			return build(t, c, tip, eve.PubKeyHash(), 0, []*chain.Tx{theft}, nil)
		}},
		{"bad signature", chain.RuleSignature, func() *chain.Block {
			tx := good()
			tx.Outputs[0].Value = 45 // signed for 40
			return build(t, c, tip, alice.PubKeyHash(), 5, []*chain.Tx{tx}, nil)
		}},
		{"signature of another transaction", chain.RuleSignature, func() *chain.Block {
			tx := good()
			other := pay(t, alice, []chain.OutPoint{aliceOut}, chain.TxOut{Value: 30, PubKeyHash: bob.PubKeyHash()})
			tx.Inputs[0].Signature = other.Inputs[0].Signature
			return build(t, c, tip, alice.PubKeyHash(), 10, []*chain.Tx{tx}, nil)
		}},
		{"spends an output that never existed", chain.RuleMissingInput, func() *chain.Block {
			tx := pay(t, alice, []chain.OutPoint{{TxID: chain.Hash{9}, Index: 0}}, chain.TxOut{Value: 1, PubKeyHash: bob.PubKeyHash()})
			return build(t, c, tip, alice.PubKeyHash(), 0, []*chain.Tx{tx}, nil)
		}},
		{"spends an output index past the end", chain.RuleMissingInput, func() *chain.Block {
			tx := pay(t, alice, []chain.OutPoint{{TxID: aliceOut.TxID, Index: 1}}, chain.TxOut{Value: 1, PubKeyHash: bob.PubKeyHash()})
			return build(t, c, tip, alice.PubKeyHash(), 0, []*chain.Tx{tx}, nil)
		}},
		{"spends an already spent output", chain.RuleMissingInput, func() *chain.Block {
			tx := pay(t, alice, []chain.OutPoint{spentOut}, chain.TxOut{Value: 50, PubKeyHash: alice.PubKeyHash()})
			return build(t, c, tip, alice.PubKeyHash(), 0, []*chain.Tx{tx}, nil)
		}},
		{"same output spent twice in one transaction", chain.RuleDupInput, func() *chain.Block {
			tx := pay(t, alice, []chain.OutPoint{aliceOut, aliceOut}, chain.TxOut{Value: 100, PubKeyHash: alice.PubKeyHash()})
			return build(t, c, tip, alice.PubKeyHash(), 0, []*chain.Tx{tx}, nil)
		}},
		{"same output spent by two transactions of the block", chain.RuleDupInput, func() *chain.Block {
			tx2 := pay(t, alice, []chain.OutPoint{aliceOut}, chain.TxOut{Value: 50, PubKeyHash: eve.PubKeyHash()})
			return build(t, c, tip, alice.PubKeyHash(), 0, []*chain.Tx{good(), tx2}, nil)
		}},
		{"same transaction twice", chain.RuleDupTx, func() *chain.Block {
			tx := good()
			return build(t, c, tip, alice.PubKeyHash(), 0, []*chain.Tx{tx, tx}, nil)
		}},
		{"public key of the wrong length", chain.RuleInputShape, func() *chain.Block {
			tx := good()
			tx.Inputs[0].PubKey = tx.Inputs[0].PubKey[:64]
			return build(t, c, tip, alice.PubKeyHash(), 0, []*chain.Tx{tx}, nil)
		}},
		{"unknown transaction version", chain.RuleTxVersion, func() *chain.Block {
			tx := good()
			tx.Version = 2
			return build(t, c, tip, alice.PubKeyHash(), 0, []*chain.Tx{tx}, nil)
		}},
		{"too many inputs and outputs", chain.RuleBlockSize, func() *chain.Block {
			outs := make([]chain.TxOut, chain.MaxBlockIO)
			for i := range outs {
				outs[i] = chain.TxOut{Value: 1, PubKeyHash: alice.PubKeyHash()}
			}
			return build(t, c, tip, alice.PubKeyHash(), 0, nil, func(b *chain.Block) {
				b.Txs[0].Outputs = outs
			})
		}},
	}
	before := utxoSet(t, c)
	for _, tc := range cases {
		b := tc.block()
		res, err := c.ProcessBlock(b)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v (status %v), want ErrInvalid", tc.name, err, res.Status)
			continue
		}
		if got := chain.RuleOf(err); got != tc.rule {
			t.Errorf("%s: rule %q, want %q (%v)", tc.name, got, tc.rule, err)
		}
		if tipHash(c) != tip {
			t.Fatalf("%s: tip moved", tc.name)
		}
	}
	after := utxoSet(t, c)
	if len(after) != len(before) {
		t.Fatalf("UTXO set changed: %d -> %d", len(before), len(after))
	}
	// The honest version of the spends is accepted, fee included.
	extend(t, c, alice.PubKeyHash(), 10, good())
	mustVerify(t, c)
}

// A block whose parent is unknown is kept as an orphan, connected when the
// parent arrives; the pool is bounded.
func TestOrphans(t *testing.T) {
	c := openTest(t)
	k := newKey(t)
	// Build three blocks on another chain object with the same params.
	other := openTest(t)
	var blocks []*chain.Block
	for i := 0; i < 3; i++ {
		blocks = append(blocks, extend(t, other, k.PubKeyHash(), 0))
	}
	for _, b := range []*chain.Block{blocks[2], blocks[1]} {
		res, err := c.ProcessBlock(b)
		if err != nil || res.Status != Orphan {
			t.Fatalf("orphan: %v %v", res.Status, err)
		}
	}
	if !c.HasBlock(blocks[2].Hash()) || c.OrphanRoot(blocks[2].Hash()) != blocks[0].Hash() {
		t.Fatalf("OrphanRoot = %s, want %s", c.OrphanRoot(blocks[2].Hash()), blocks[0].Hash())
	}
	var events []Event
	c.Subscribe(func(e Event) { events = append(events, e) })
	res, err := c.ProcessBlock(blocks[0])
	if err != nil || res.Status != Connected || res.Connected != 3 {
		t.Fatalf("parent: %+v %v", res, err)
	}
	if _, h, _ := c.Tip(); h != 3 || c.OrphanCount() != 0 {
		t.Fatalf("height %d, orphans %d", h, c.OrphanCount())
	}
	if len(events) != 1 || len(events[0].Connected) != 3 || events[0].Connected[2].Hash() != blocks[2].Hash() {
		t.Fatalf("events %+v", events)
	}
	if res, _ := c.ProcessBlock(blocks[1]); res.Status != Duplicate {
		t.Fatalf("resend: %v", res.Status)
	}
	// Bounded pool.
	p := newOrphanPool(3)
	for i := 0; i < 10; i++ {
		b := &chain.Block{Header: chain.Header{Nonce: uint64(i), PrevHash: chain.Hash{byte(i)}}}
		p.add(b.Hash(), b)
	}
	if p.len() != 3 || len(p.byPrev) != 3 {
		t.Fatalf("pool holds %d (%d parents)", p.len(), len(p.byPrev))
	}
}

// Blocks of every transaction count up to 13 (the tutorial's tree panicked
// at 5, 6 and 9–12) are accepted, and outputs keep their index: spending
// output 2 of a transaction whose output 0 is spent pays output 2's value.
func TestManyTxBlocksAndOutputIndexes(t *testing.T) {
	c := openTest(t)
	k := newKey(t)
	var outs []chain.OutPoint
	for i := 0; i < 80; i++ { // 1 + (1+2+…+12) = 79 outputs needed
		outs = append(outs, coinbaseOut(extend(t, c, k.PubKeyHash(), 0)))
	}
	// One transaction with three outputs of different values.
	split := pay(t, k, []chain.OutPoint{outs[0]}, chain.TxOut{Value: 5, PubKeyHash: k.PubKeyHash()},
		chain.TxOut{Value: 15, PubKeyHash: k.PubKeyHash()}, chain.TxOut{Value: 30, PubKeyHash: k.PubKeyHash()})
	extend(t, c, k.PubKeyHash(), 0, split)
	sid := split.ID()
	extend(t, c, k.PubKeyHash(), 0, pay(t, k, []chain.OutPoint{{TxID: sid, Index: 0}}, chain.TxOut{Value: 5, PubKeyHash: k.PubKeyHash()}))
	u, ok, err := c.UTXO(chain.OutPoint{TxID: sid, Index: 2})
	if err != nil || !ok || u.Value != 30 {
		t.Fatalf("output 2 after spending output 0: %+v %v %v", u, ok, err)
	}
	next := 1
	for n := 1; n <= 12; n++ { // n spends + coinbase = n+1 transactions
		var txs []*chain.Tx
		for i := 0; i < n; i++ {
			txs = append(txs, pay(t, k, []chain.OutPoint{outs[next]}, chain.TxOut{Value: 50, PubKeyHash: k.PubKeyHash()}))
			next++
		}
		if b := extend(t, c, k.PubKeyHash(), 0, txs...); len(b.Txs) != n+1 {
			t.Fatalf("block has %d transactions", len(b.Txs))
		}
	}
	mustVerify(t, c)
}
