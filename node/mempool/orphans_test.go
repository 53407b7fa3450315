package mempool

import (
	"testing"

	"github.com/devchain/devchain/node/chain"
)

// A child that arrives before its parent is kept as an orphan and pooled
// when the parent is (Adopt), with its own child in turn; one whose
// funding comes in a block is pooled by Update.
func TestOrphansAdoptedWhenTheirInputsArrive(t *testing.T) {
	a, b := chain.OutPoint{TxID: chain.Hash{1}}, chain.OutPoint{TxID: chain.Hash{2}}
	u := utxos{a: true}
	p := New(u)
	parent := spend(a, 90)
	child := spend(out(parent, 0), 80)
	grandchild := spend(out(child, 0), 70)
	for _, tx := range []*chain.Tx{grandchild, child} {
		if _, err := p.Add(tx); chain.RuleOf(err) != chain.RuleMissingInput {
			t.Fatalf("a tx before its parent: %v, want a missing input", err)
		}
		if !p.KeepOrphan(tx) {
			t.Fatal("orphan not kept")
		}
	}
	if added, err := p.Add(parent); !added || err != nil {
		t.Fatalf("parent: %v %v", added, err)
	}
	adopted := p.Adopt(parent.ID())
	if len(adopted) != 2 || adopted[0] != child || adopted[1] != grandchild || p.Len() != 3 || p.Orphans() != 0 {
		t.Fatalf("adopted %d (pool %d, orphans %d), want the child then the grandchild", len(adopted), p.Len(), p.Orphans())
	}

	late := spend(b, 50)
	p.KeepOrphan(late)
	if back := p.Update(nil, nil); len(back) != 0 {
		t.Fatalf("nothing brought b, yet %d txs came back", len(back))
	}
	u[b] = true // a block created b
	if back := p.Update([]*chain.Block{block()}, nil); len(back) != 1 || back[0] != late || !p.Has(late.ID()) {
		t.Fatalf("Update after b appeared returned %d txs; want the orphan spending b pooled", len(back))
	}
}

// At most MaxOrphans are kept, the oldest dropped first, and none bigger
// than MaxOrphanSize.
func TestOrphansBounded(t *testing.T) {
	p := New(utxos{})
	var first *chain.Tx
	for i := range MaxOrphans + 1 {
		tx := spend(chain.OutPoint{TxID: chain.Hash{byte(i), byte(i >> 8), 9}}, 1)
		if i == 0 {
			first = tx
		}
		p.KeepOrphan(tx)
	}
	if p.Orphans() != MaxOrphans {
		t.Fatalf("%d orphans kept, want %d", p.Orphans(), MaxOrphans)
	}
	if got := p.orphans.byID[first.ID()]; got != nil {
		t.Fatal("the oldest orphan was not the one dropped")
	}
	big := spend(chain.OutPoint{TxID: chain.Hash{0xff}}, 1)
	for big.SerializeSize() <= MaxOrphanSize {
		big.Outputs = append(big.Outputs, chain.TxOut{Value: 1})
	}
	if p.KeepOrphan(big) {
		t.Fatalf("an orphan of %d bytes was kept (at most %d)", big.SerializeSize(), MaxOrphanSize)
	}
}
