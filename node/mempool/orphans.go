package mempool

import (
	"slices"
	"sync"

	"github.com/devchain/devchain/node/chain"
)

// Bounds of the orphans a pool keeps: bitcoind's count, and a size that
// takes any payment but not a peer's bulky junk, so orphans cost at most
// MaxOrphans × MaxOrphanSize of memory.
const (
	MaxOrphans    = 100
	MaxOrphanSize = 10_000
)

// orphans are transactions refused only because an output they spend is
// not known here yet: a peer offers a branch's payments before its blocks
// (a node back from a partition or a restart), or a child before its
// parent. They are kept, the oldest dropped first past MaxOrphans, and
// tried again when blocks connect (Update) or a tx they spend enters the
// pool (Adopt).
type orphans struct {
	mu    sync.Mutex
	byID  map[chain.Hash]*chain.Tx
	order []chain.Hash // arrival, oldest first
}

// KeepOrphan keeps tx, which the pool refused for an input it does not
// know (chain.RuleMissingInput), to try again later. It says whether tx
// was kept: not when too big.
func (p *Pool) KeepOrphan(tx *chain.Tx) bool {
	if tx.SerializeSize() > MaxOrphanSize {
		return false
	}
	o := &p.orphans
	o.mu.Lock()
	defer o.mu.Unlock()
	id := tx.ID()
	if o.byID == nil {
		o.byID = map[chain.Hash]*chain.Tx{}
	}
	if _, ok := o.byID[id]; ok {
		return true
	}
	if len(o.order) >= MaxOrphans {
		delete(o.byID, o.order[0])
		o.order = o.order[1:]
	}
	o.byID[id] = tx
	o.order = append(o.order, id)
	return true
}

// Orphans is how many orphans the pool keeps.
func (p *Pool) Orphans() int {
	p.orphans.mu.Lock()
	defer p.orphans.mu.Unlock()
	return len(p.orphans.order)
}

// take removes and returns the orphans match selects, oldest first.
func (o *orphans) take(match func(*chain.Tx) bool) []*chain.Tx {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*chain.Tx
	o.order = slices.DeleteFunc(o.order, func(id chain.Hash) bool {
		tx := o.byID[id]
		if !match(tx) {
			return false
		}
		delete(o.byID, id)
		out = append(out, tx)
		return true
	})
	return out
}

// Adopt pools the orphans that spend an output of parent, just pooled,
// and in turn those spending theirs. It returns the txs it pooled, for
// the node to offer to its peers.
func (p *Pool) Adopt(parent chain.Hash) []*chain.Tx {
	var adopted []*chain.Tx
	for queue := []chain.Hash{parent}; len(queue) > 0; queue = queue[1:] {
		spends := func(tx *chain.Tx) bool {
			return slices.ContainsFunc(tx.Inputs, func(in chain.TxIn) bool { return in.Prev.TxID == queue[0] })
		}
		for _, tx := range p.orphans.take(spends) {
			if added, err := p.Add(tx); err == nil && added {
				adopted = append(adopted, tx)
				queue = append(queue, tx.ID())
			} else if chain.RuleOf(err) == chain.RuleMissingInput {
				p.KeepOrphan(tx) // it spends another output still unknown
			}
		}
	}
	return adopted
}

// retryOrphansLocked tries every orphan again after the chain changed
// (p.rebuild held), in passes while one adds a tx a later one may spend.
// It returns those pooled; the ones refused for another reason than a
// missing input are dropped.
func (p *Pool) retryOrphansLocked() []*chain.Tx {
	var adopted []*chain.Tx
	for progress := true; progress; {
		progress = false
		for _, tx := range p.orphans.take(func(*chain.Tx) bool { return true }) {
			added, err := p.add(tx)
			switch {
			case err == nil && added:
				adopted = append(adopted, tx)
				progress = true
			case chain.RuleOf(err) == chain.RuleMissingInput:
				p.KeepOrphan(tx)
			}
		}
	}
	return adopted
}
