package mempool

import (
	"errors"
	"testing"

	"github.com/devchain/devchain/node/chain"
)

// utxos is a fake chain: a tx is valid when every input spends an output
// in the set.
type utxos map[chain.OutPoint]bool

func (u utxos) CheckTx(tx *chain.Tx) (uint64, error) {
	for _, in := range tx.Inputs {
		if !u[in.Prev] {
			return 0, chain.Invalid(chain.RuleMissingInput, "no output %v", in.Prev)
		}
	}
	return 0, nil
}

func spend(prev chain.OutPoint, value uint64) *chain.Tx {
	return &chain.Tx{
		Version: chain.TxVersion,
		Inputs:  []chain.TxIn{{Prev: prev}},
		Outputs: []chain.TxOut{{Value: value}},
	}
}

func block(txs ...*chain.Tx) *chain.Block { return &chain.Block{Txs: txs} }

func TestAddRefusesInvalidAndDoubleSpends(t *testing.T) {
	a, b := chain.OutPoint{TxID: chain.Hash{1}}, chain.OutPoint{TxID: chain.Hash{2}}
	u := utxos{a: true}
	p := New(u)
	tx1 := spend(a, 10)
	if added, err := p.Add(tx1); !added || err != nil {
		t.Fatalf("valid tx: added=%v err=%v", added, err)
	}
	if added, err := p.Add(tx1); added || err != nil {
		t.Fatalf("same tx again: added=%v err=%v, want false, nil", added, err)
	}
	if _, err := p.Add(spend(a, 9)); !errors.Is(err, chain.ErrInvalid) {
		t.Fatalf("double spend within the pool: err = %v, want ErrInvalid", err)
	}
	if _, err := p.Add(spend(b, 9)); !errors.Is(err, chain.ErrInvalid) {
		t.Fatalf("missing input: err = %v, want ErrInvalid", err)
	}
	if p.Len() != 1 || !p.Has(tx1.ID()) || p.Get(tx1.ID()) != tx1 {
		t.Fatalf("pool holds %d txs, want only tx1", p.Len())
	}
	if sp := p.Spent(); len(sp) != 1 || !sp[a] {
		t.Fatalf("Spent() = %v, want only %v", sp, a)
	}
	select {
	case <-p.Added():
	default:
		t.Fatal("Added() not signalled after an add")
	}
}

func TestUpdateDropsConfirmedAndConflicting(t *testing.T) {
	a, b := chain.OutPoint{TxID: chain.Hash{1}}, chain.OutPoint{TxID: chain.Hash{2}}
	u := utxos{a: true, b: true}
	p := New(u)
	tx1, tx2 := spend(a, 10), spend(b, 10)
	p.Add(tx1)
	p.Add(tx2)
	// A block confirms tx1 and another spend of b: both outputs are gone.
	other := spend(b, 7)
	delete(u, a)
	delete(u, b)
	if back := p.Update([]*chain.Block{block(tx1, other)}, nil); len(back) != 0 {
		t.Fatalf("%d txs came back from a connect", len(back))
	}
	if p.Len() != 0 {
		t.Fatalf("pool holds %d txs after its txs were confirmed or conflicted, want 0", p.Len())
	}
}

func TestUpdateReturnsTxsOfDisconnectedBlocks(t *testing.T) {
	a := chain.OutPoint{TxID: chain.Hash{1}}
	u := utxos{}
	p := New(u)
	tx1 := spend(a, 10)
	// The block holding tx1 is disconnected by a reorg; a is unspent again.
	u[a] = true
	back := p.Update(nil, []*chain.Block{block(tx1)})
	if len(back) != 1 || back[0] != tx1 || !p.Has(tx1.ID()) {
		t.Fatalf("after disconnect: back=%d, pooled=%v; want tx1 back in the pool", len(back), p.Has(tx1.ID()))
	}
	if got := p.Txs(0); len(got) != 1 || got[0] != tx1 {
		t.Fatalf("Txs() = %v, want [tx1]", got)
	}
}
