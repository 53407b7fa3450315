package mempool

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/devchain/devchain/node/chain"
)

// utxos is a fake chain: a tx is valid when every input spends an output
// in the set (the value true stands for 100 coins) or a pending one; its
// fee is what the inputs hold beyond the outputs.
type utxos map[chain.OutPoint]bool

func (u utxos) CheckTx(tx *chain.Tx, pending chain.Unconfirmed) (uint64, error) {
	var in uint64
	for _, ti := range tx.Inputs {
		if u[ti.Prev] {
			in += 100
			continue
		}
		out, ok := pending.Output(ti.Prev)
		if !ok {
			return 0, chain.Invalid(chain.RuleMissingInput, "no output %v", ti.Prev)
		}
		in += out.Value
	}
	total, _ := tx.TotalOut()
	if total > in {
		return 0, chain.Invalid(chain.RuleInsufficient, "outputs %d exceed inputs %d", total, in)
	}
	return in - total, nil
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
	if got := p.ByFeeRate(0); len(got) != 1 || got[0] != tx1 {
		t.Fatalf("ByFeeRate() = %v, want [tx1]", got)
	}
}

// A reorg that disconnects a payment's block and, above it, the block of
// a payment spending its change returns both: the disconnected blocks come
// tip first, the txs go back parent first.
func TestUpdateReturnsChainedPaymentsOfDisconnectedBlocks(t *testing.T) {
	a := chain.OutPoint{TxID: chain.Hash{1}}
	u := utxos{}
	p := New(u)
	parent := spend(a, 10)
	child := spend(out(parent, 0), 9)
	u[a] = true
	back := p.Update(nil, []*chain.Block{block(child), block(parent)}) // tip first
	if len(back) != 2 || !p.Has(parent.ID()) || !p.Has(child.ID()) {
		t.Fatalf("after the reorg: %d back, parent pooled %v, child pooled %v; want both", len(back), p.Has(parent.ID()), p.Has(child.ID()))
	}
}

func out(tx *chain.Tx, i uint32) chain.OutPoint { return chain.OutPoint{TxID: tx.ID(), Index: i} }

// A chain of unconfirmed spends is taken up to MaxAncestors transactions;
// the next link is refused with ErrPackageLimit, and a block confirming
// the first makes room for it.
func TestChainedSpendsUpToThePackageLimit(t *testing.T) {
	root := chain.OutPoint{TxID: chain.Hash{1}}
	u := utxos{root: true}
	p := New(u)
	prev, value := root, uint64(100)
	var txs []*chain.Tx
	for i := range MaxAncestors {
		value--
		tx := spend(prev, value)
		if added, err := p.Add(tx); !added || err != nil {
			t.Fatalf("link %d of the chain: added=%v err=%v", i+1, added, err)
		}
		txs = append(txs, tx)
		prev = out(tx, 0)
	}
	next := spend(prev, value-1)
	if _, err := p.Add(next); !errors.Is(err, ErrPackageLimit) || Reason(err) != "package-limit" {
		t.Fatalf("link %d: %v, want ErrPackageLimit", MaxAncestors+1, err)
	}
	// The first link confirms: its output is in the UTXO set now.
	delete(u, root)
	u[out(txs[0], 0)] = true
	p.Update([]*chain.Block{block(txs[0])}, nil)
	if p.Len() != MaxAncestors-1 {
		t.Fatalf("%d txs pooled after the first confirmed, want %d", p.Len(), MaxAncestors-1)
	}
	if added, err := p.Add(next); !added || err != nil {
		t.Fatalf("the next link once the first confirmed: added=%v err=%v", added, err)
	}
}

// A full pool takes a transaction only by evicting ones of a lower fee
// rate, never a parent of a pooled one; a tx paying no more than the
// lowest is refused with ErrFull.
func TestFullPoolEvictsByFeeRate(t *testing.T) {
	u := utxos{}
	var ops []chain.OutPoint
	for i := range 10 {
		op := chain.OutPoint{TxID: chain.Hash{byte(i + 1)}}
		u[op] = true
		ops = append(ops, op)
	}
	p := NewBounded(u, 1<<20, 3)
	low := spend(ops[0], 99)           // fee 1
	parent := spend(ops[1], 98)        // fee 2, but a child will spend it
	child := spend(out(parent, 0), 90) // fee 8
	for _, tx := range []*chain.Tx{low, parent, child} {
		if added, err := p.Add(tx); !added || err != nil {
			t.Fatalf("filling the pool: %v %v", added, err)
		}
	}
	cheap := spend(ops[2], 100) // fee 0: below everything
	if _, err := p.Add(cheap); !errors.Is(err, ErrFull) || Reason(err) != "mempool-full" {
		t.Fatalf("fee 0 into a full pool: %v, want ErrFull", err)
	}
	rich := spend(ops[3], 50) // fee 50
	if added, err := p.Add(rich); !added || err != nil {
		t.Fatalf("fee 50 into a full pool: added=%v err=%v", added, err)
	}
	if p.Has(low.ID()) || !p.Has(parent.ID()) || !p.Has(child.ID()) || !p.Has(rich.ID()) {
		t.Fatalf("want the lowest fee rate (low) evicted and the parent kept: low %v parent %v child %v rich %v",
			p.Has(low.ID()), p.Has(parent.ID()), p.Has(child.ID()), p.Has(rich.ID()))
	}
	if p.Len() != 3 {
		t.Fatalf("pool holds %d txs, bound 3", p.Len())
	}
	// The byte bound evicts the same way.
	b := NewBounded(u, 2*low.SerializeSize(), 100)
	b.Add(spend(ops[4], 99))
	b.Add(spend(ops[5], 98))
	if added, err := b.Add(spend(ops[6], 90)); !added || err != nil || b.Bytes() > 2*low.SerializeSize() {
		t.Fatalf("byte-bounded pool: added=%v err=%v, %d bytes", added, err, b.Bytes())
	}
}

// ByFeeRate puts parents before children and otherwise the highest fee
// rate first.
func TestByFeeRateParentsFirst(t *testing.T) {
	a, b := chain.OutPoint{TxID: chain.Hash{1}}, chain.OutPoint{TxID: chain.Hash{2}}
	p := New(utxos{a: true, b: true})
	parent := spend(a, 99)             // fee 1
	child := spend(out(parent, 0), 40) // fee 59
	mid := spend(b, 80)                // fee 20
	for _, tx := range []*chain.Tx{parent, child, mid} {
		if _, err := p.Add(tx); err != nil {
			t.Fatal(err)
		}
	}
	got := p.ByFeeRate(0)
	want := []*chain.Tx{mid, parent, child}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %d: got fee-out %d, want %d", i, got[i].Outputs[0].Value, want[i].Outputs[0].Value)
		}
	}
	if top := p.ByFeeRate(1); len(top) != 1 || top[0] != mid {
		t.Fatalf("ByFeeRate(1) = %v", top)
	}
}

// hooked is utxos that calls hook before checking each tx.
type hooked struct {
	utxos
	hook func(tx *chain.Tx)
}

func (h hooked) CheckTx(tx *chain.Tx, pending chain.Unconfirmed) (uint64, error) {
	h.hook(tx)
	return h.utxos.CheckTx(tx, pending)
}

// While Update rebuilds the pool (emptied, then refilled) Add waits: a
// child submitted then would otherwise find no pooled parent and be
// refused for a missing input. The hook runs inside the rebuild, when the
// pool is empty, and finds Add's side of the gate closed; the child added
// meanwhile gets in once the rebuild is over.
func TestAddWaitsForUpdate(t *testing.T) {
	a, b := chain.OutPoint{TxID: chain.Hash{1}}, chain.OutPoint{TxID: chain.Hash{2}}
	parent := spend(a, 90)
	var p *Pool
	var updating atomic.Bool
	gateClosed := make(chan bool, 1)
	p = New(hooked{utxos{a: true, b: true}, func(tx *chain.Tx) {
		if updating.Load() && tx.ID() == parent.ID() {
			ok := p.rebuild.TryRLock()
			if ok {
				p.rebuild.RUnlock()
			}
			gateClosed <- !ok
		}
	}})
	if _, err := p.Add(parent); err != nil {
		t.Fatal(err)
	}
	updating.Store(true)
	p.Update([]*chain.Block{block(spend(b, 1))}, nil) // confirms another tx
	updating.Store(false)
	if !<-gateClosed {
		t.Fatal("Add could run while Update had emptied the pool")
	}
	if _, err := p.Add(spend(out(parent, 0), 80)); err != nil || !p.Has(parent.ID()) {
		t.Fatalf("child after the rebuild: %v (parent pooled: %v)", err, p.Has(parent.ID()))
	}
}
