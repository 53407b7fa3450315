// Package mempool holds the transactions a node has validated but no block
// has confirmed yet. It follows the chain: a connected block removes what it
// confirms or invalidates, a disconnected block (a reorg) returns its
// transactions.
package mempool

import (
	"fmt"
	"sync"

	"github.com/devchain/devchain/node/chain"
)

// Checker validates a transaction against the current UTXO set
// (blockchain.Chain.CheckTx).
type Checker interface {
	CheckTx(tx *chain.Tx) (fee uint64, err error)
}

// DefaultMaxTxs bounds the pool so a flood of valid transactions cannot
// exhaust memory.
const DefaultMaxTxs = 50000

// Pool is the mempool; safe for concurrent use.
type Pool struct {
	chain  Checker
	maxTxs int

	mu    sync.Mutex
	txs   map[chain.Hash]*chain.Tx
	order []chain.Hash // arrival order, what a miner takes first
	spent map[chain.OutPoint]chain.Hash
	added chan struct{} // signalled when a tx enters the pool
}

// New returns an empty pool validating against c.
func New(c Checker) *Pool {
	return &Pool{
		chain:  c,
		maxTxs: DefaultMaxTxs,
		txs:    map[chain.Hash]*chain.Tx{},
		spent:  map[chain.OutPoint]chain.Hash{},
		added:  make(chan struct{}, 1),
	}
}

// Add validates tx and keeps it. added is false for a tx already held.
// Errors wrap chain.ErrInvalid for a coinbase, a tx the chain refuses, or a
// tx spending an output another pooled tx spends.
func (p *Pool) Add(tx *chain.Tx) (added bool, err error) {
	id := tx.ID()
	if tx.IsCoinbase() {
		return false, chain.Invalid(chain.RuleCoinbase, "tx %s: coinbase outside a block", id)
	}
	p.mu.Lock()
	_, have := p.txs[id]
	p.mu.Unlock()
	if have {
		return false, nil
	}
	// Validate outside the lock: CheckTx reads the chain.
	if _, err := p.chain.CheckTx(tx); err != nil {
		return false, fmt.Errorf("mempool: tx %s: %w", id, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, have := p.txs[id]; have {
		return false, nil
	}
	for _, in := range tx.Inputs {
		if other, ok := p.spent[in.Prev]; ok {
			return false, chain.Invalid(chain.RuleMissingInput, "tx %s spends %s:%d, already spent by pooled tx %s", id, in.Prev.TxID, in.Prev.Index, other)
		}
	}
	if len(p.txs) >= p.maxTxs {
		return false, fmt.Errorf("mempool: full (%d txs)", p.maxTxs)
	}
	p.insertLocked(id, tx)
	return true, nil
}

func (p *Pool) insertLocked(id chain.Hash, tx *chain.Tx) {
	p.txs[id] = tx
	p.order = append(p.order, id)
	for _, in := range tx.Inputs {
		p.spent[in.Prev] = id
	}
	select {
	case p.added <- struct{}{}:
	default:
	}
}

// Added is signalled (coalesced) whenever a tx enters the pool: a minter
// waits on it.
func (p *Pool) Added() <-chan struct{} { return p.added }

// Spent gives the outpoints pooled txs spend, so a new payment does not
// pick them.
func (p *Pool) Spent() map[chain.OutPoint]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[chain.OutPoint]bool, len(p.spent))
	for op := range p.spent {
		out[op] = true
	}
	return out
}

// compactLocked drops removed ids from the arrival order.
func (p *Pool) compactLocked() {
	kept := p.order[:0]
	for _, id := range p.order {
		if _, ok := p.txs[id]; ok {
			kept = append(kept, id)
		}
	}
	p.order = kept
}

// Has says whether the pool holds the tx.
func (p *Pool) Has(id chain.Hash) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.txs[id]
	return ok
}

// Get returns a pooled tx or nil.
func (p *Pool) Get(id chain.Hash) *chain.Tx {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.txs[id]
}

// Len is the number of pooled txs.
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.txs)
}

// Txs returns up to max pooled txs in arrival order (all when max <= 0).
func (p *Pool) Txs(max int) []*chain.Tx {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*chain.Tx, 0, len(p.txs))
	for _, id := range p.order {
		if tx, ok := p.txs[id]; ok {
			out = append(out, tx)
			if max > 0 && len(out) == max {
				break
			}
		}
	}
	return out
}

// Update follows a chain change: the transactions of disconnected blocks
// come back (when still valid on the new chain), those confirmed by
// connected blocks go, and every pooled tx is checked again against the new
// UTXO set (a connected block may spend the same outputs; a disconnected
// one may have created them). It returns the txs that came back from
// disconnected blocks, for the node to offer to its peers again.
func (p *Pool) Update(connected, disconnected []*chain.Block) []*chain.Tx {
	confirmed := map[chain.Hash]bool{}
	for _, b := range connected {
		for _, tx := range b.Txs {
			confirmed[tx.ID()] = true
		}
	}
	p.mu.Lock()
	candidates := make([]*chain.Tx, 0, len(p.txs))
	returning := map[chain.Hash]bool{}
	for _, b := range disconnected {
		for _, tx := range b.Txs {
			id := tx.ID()
			if tx.IsCoinbase() || confirmed[id] {
				continue
			}
			if _, ok := p.txs[id]; !ok && !returning[id] {
				returning[id] = true
				candidates = append(candidates, tx)
			}
		}
	}
	for _, id := range p.order {
		if tx, ok := p.txs[id]; ok && !confirmed[id] {
			candidates = append(candidates, tx)
		}
	}
	clear(p.txs)
	clear(p.spent)
	p.order = p.order[:0]
	p.mu.Unlock()

	// Re-validate outside the lock, in order: returning txs first (they
	// are older), then the pool's arrival order.
	var back []*chain.Tx
	for _, tx := range candidates {
		if _, err := p.Add(tx); err != nil {
			continue
		}
		if returning[tx.ID()] {
			back = append(back, tx)
		}
	}
	p.mu.Lock()
	p.compactLocked()
	p.mu.Unlock()
	return back
}
