// Package mempool holds the transactions a node has validated but no block
// has confirmed yet. It follows the chain: a connected block removes what it
// confirms or invalidates, a disconnected block (a reorg) returns its
// transactions.
//
// Policy, not consensus: a pooled transaction may spend the outputs of
// other pooled ones, up to MaxAncestors in a chain (bitcoind's package
// limit); the pool is bounded in bytes and count, and when full a
// transaction gets in only by evicting transactions of a lower fee rate;
// the miner takes transactions by fee rate, parents first (ByFeeRate).
package mempool

import (
	"cmp"
	"container/heap"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/devchain/devchain/node/chain"
)

// Checker validates a transaction against the UTXO set and the outputs
// of pooled transactions (blockchain.Chain.CheckTx).
type Checker interface {
	CheckTx(tx *chain.Tx, pending chain.Unconfirmed) (fee uint64, err error)
}

// Bounds of a pool made by New.
const (
	// DefaultMaxBytes and DefaultMaxTxs bound the pool, so a flood of valid
	// transactions cannot exhaust memory.
	DefaultMaxBytes = 32 << 20
	DefaultMaxTxs   = 50000
	// MaxAncestors bounds a transaction plus the pooled transactions it
	// descends from, as bitcoind's default package limit does.
	MaxAncestors = 25
)

// Policy errors: the transaction is valid but this pool does not take it.
var (
	ErrFull         = errors.New("mempool full")
	ErrPackageLimit = errors.New("too many unconfirmed ancestors")
)

// Reason names why Add refused a transaction: the consensus rule it broke
// (chain.Rule), "mempool-full" or "package-limit"; "" for other errors.
func Reason(err error) string {
	switch {
	case errors.Is(err, ErrFull):
		return "mempool-full"
	case errors.Is(err, ErrPackageLimit):
		return "package-limit"
	}
	return string(chain.RuleOf(err))
}

// entry is one pooled transaction.
type entry struct {
	tx       *chain.Tx
	id       chain.Hash
	fee      uint64
	size     int
	seq      uint64       // arrival order
	parents  []chain.Hash // pooled transactions it spends
	children int          // pooled transactions spending it
}

func (e *entry) feeRate() float64 { return float64(e.fee) / float64(e.size) }

// Pool is the mempool; safe for concurrent use.
type Pool struct {
	chain    Checker
	maxBytes int
	maxTxs   int

	// rebuild is held by Update for the whole of its rebuild, and shared
	// by Add: while the pool is emptied and refilled, a new tx must wait
	// rather than miss the pooled parent it spends.
	rebuild sync.RWMutex

	mu    sync.Mutex
	txs   map[chain.Hash]*entry
	spent map[chain.OutPoint]chain.Hash // outpoint → the pooled tx spending it
	bytes int
	seq   uint64
	added chan struct{} // signalled when a tx enters the pool

	orphans orphans
}

// New returns an empty pool validating against c, with the default bounds.
func New(c Checker) *Pool { return NewBounded(c, DefaultMaxBytes, DefaultMaxTxs) }

// NewBounded returns an empty pool holding at most maxBytes of encoded
// transactions and maxTxs of them.
func NewBounded(c Checker, maxBytes, maxTxs int) *Pool {
	return &Pool{
		chain: c, maxBytes: maxBytes, maxTxs: maxTxs,
		txs:   map[chain.Hash]*entry{},
		spent: map[chain.OutPoint]chain.Hash{},
		added: make(chan struct{}, 1),
	}
}

// pendingView gives CheckTx the outputs of pooled transactions and
// records which ones it used: the parents, checked again under the lock.
type pendingView struct {
	p    *Pool
	used map[chain.Hash]bool
}

func (v *pendingView) Output(op chain.OutPoint) (chain.TxOut, bool) {
	v.p.mu.Lock()
	defer v.p.mu.Unlock()
	e, ok := v.p.txs[op.TxID]
	if !ok || int(op.Index) >= len(e.tx.Outputs) {
		return chain.TxOut{}, false
	}
	v.used[op.TxID] = true
	return e.tx.Outputs[op.Index], true
}

// Add validates tx and keeps it. added is false for a tx already held.
// Errors wrap chain.ErrInvalid for a coinbase, a tx the chain refuses, or a
// tx spending an output another pooled tx spends; ErrPackageLimit past
// MaxAncestors; ErrFull when the pool is full of transactions paying at
// least its fee rate.
func (p *Pool) Add(tx *chain.Tx) (added bool, err error) {
	p.rebuild.RLock()
	defer p.rebuild.RUnlock()
	return p.add(tx)
}

func (p *Pool) add(tx *chain.Tx) (added bool, err error) {
	id := tx.ID()
	if tx.IsCoinbase() {
		return false, chain.Invalid(chain.RuleCoinbase, "tx %s: coinbase outside a block", id)
	}
	if p.Has(id) {
		return false, nil
	}
	// Validate outside the lock: CheckTx reads the chain.
	view := &pendingView{p: p, used: map[chain.Hash]bool{}}
	fee, err := p.chain.CheckTx(tx, view)
	if err != nil {
		return false, fmt.Errorf("mempool: tx %s: %w", id, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, have := p.txs[id]; have {
		return false, nil
	}
	e := &entry{tx: tx, id: id, fee: fee, size: tx.SerializeSize()}
	for parent := range view.used {
		if _, ok := p.txs[parent]; !ok {
			return false, chain.Invalid(chain.RuleMissingInput, "tx %s spends an output of %s, which left the pool meanwhile", id, parent)
		}
		e.parents = append(e.parents, parent)
	}
	for _, in := range tx.Inputs {
		if other, ok := p.spent[in.Prev]; ok {
			return false, chain.Invalid(chain.RuleMissingInput, "tx %s spends %s:%d, already spent by pooled tx %s", id, in.Prev.TxID, in.Prev.Index, other)
		}
	}
	ancestors := p.ancestorsLocked(e.parents, MaxAncestors)
	if len(ancestors)+1 > MaxAncestors {
		return false, fmt.Errorf("mempool: tx %s: %w (more than %d with its pooled ancestors)", id, ErrPackageLimit, MaxAncestors)
	}
	if err := p.makeRoomLocked(e, ancestors); err != nil {
		return false, fmt.Errorf("mempool: tx %s: %w", id, err)
	}
	p.insertLocked(e)
	return true, nil
}

// ancestorsLocked is the set of pooled transactions parents descend from,
// parents included, counted up to limit+1 (enough to refuse).
func (p *Pool) ancestorsLocked(parents []chain.Hash, limit int) map[chain.Hash]bool {
	seen := map[chain.Hash]bool{}
	queue := append([]chain.Hash(nil), parents...)
	for len(queue) > 0 && len(seen) <= limit {
		h := queue[0]
		queue = queue[1:]
		if seen[h] {
			continue
		}
		seen[h] = true
		if e, ok := p.txs[h]; ok {
			queue = append(queue, e.parents...)
		}
	}
	return seen
}

// makeRoomLocked evicts, lowest fee rate first, transactions no pooled
// transaction spends (and that are not e's ancestors) until e fits, as
// long as each pays a lower fee rate than e.
func (p *Pool) makeRoomLocked(e *entry, ancestors map[chain.Hash]bool) error {
	for p.bytes+e.size > p.maxBytes || len(p.txs)+1 > p.maxTxs {
		var victim *entry
		for _, c := range p.txs {
			if c.children > 0 || ancestors[c.id] {
				continue
			}
			if victim == nil || c.feeRate() < victim.feeRate() || (c.feeRate() == victim.feeRate() && c.seq > victim.seq) {
				victim = c
			}
		}
		if victim == nil || victim.feeRate() >= e.feeRate() {
			floor := 0.0
			if victim != nil {
				floor = victim.feeRate()
			}
			return fmt.Errorf("%w (%d txs, %d bytes): fee rate %.4g per byte, the pool's lowest %.4g", ErrFull, len(p.txs), p.bytes, e.feeRate(), floor)
		}
		p.removeLocked(victim)
	}
	return nil
}

func (p *Pool) insertLocked(e *entry) {
	p.seq++
	e.seq = p.seq
	p.txs[e.id] = e
	p.bytes += e.size
	for _, in := range e.tx.Inputs {
		p.spent[in.Prev] = e.id
	}
	for _, parent := range e.parents {
		p.txs[parent].children++
	}
	select {
	case p.added <- struct{}{}:
	default:
	}
}

// removeLocked drops a transaction no pooled transaction spends.
func (p *Pool) removeLocked(e *entry) {
	delete(p.txs, e.id)
	p.bytes -= e.size
	for _, in := range e.tx.Inputs {
		delete(p.spent, in.Prev)
	}
	for _, parent := range e.parents {
		if pe, ok := p.txs[parent]; ok {
			pe.children--
		}
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
	if e, ok := p.txs[id]; ok {
		return e.tx
	}
	return nil
}

// Len is the number of pooled txs.
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.txs)
}

// Bytes is the encoded size of the pooled txs.
func (p *Pool) Bytes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bytes
}

// ByFeeRate returns up to max pooled txs (all when max <= 0) in the order
// a miner should take them: the highest fee rate first among those whose
// pooled parents came before, ties in arrival order.
func (p *Pool) ByFeeRate(max int) []*chain.Tx {
	p.mu.Lock()
	defer p.mu.Unlock()
	waiting := make(map[chain.Hash]int, len(p.txs)) // parents not yet taken
	children := make(map[chain.Hash][]*entry, len(p.txs))
	ready := &byRate{}
	for _, e := range p.txs {
		waiting[e.id] = len(e.parents)
		for _, parent := range e.parents {
			children[parent] = append(children[parent], e)
		}
		if len(e.parents) == 0 {
			*ready = append(*ready, e)
		}
	}
	heap.Init(ready)
	out := make([]*chain.Tx, 0, len(p.txs))
	for ready.Len() > 0 && (max <= 0 || len(out) < max) {
		e := heap.Pop(ready).(*entry)
		out = append(out, e.tx)
		for _, c := range children[e.id] {
			if waiting[c.id]--; waiting[c.id] == 0 {
				heap.Push(ready, c)
			}
		}
	}
	return out
}

// byRate is a max-heap of entries by fee rate, then arrival.
type byRate []*entry

func (h byRate) Len() int { return len(h) }
func (h byRate) Less(i, j int) bool {
	if a, b := h[i].feeRate(), h[j].feeRate(); a != b {
		return a > b
	}
	return h[i].seq < h[j].seq
}
func (h byRate) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *byRate) Push(x any)   { *h = append(*h, x.(*entry)) }
func (h *byRate) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// Update follows a chain change: the transactions of disconnected blocks
// come back (when still valid on the new chain), those confirmed by
// connected blocks go, and every pooled tx is checked again against the new
// UTXO set (a connected block may spend the same outputs; a disconnected
// one may have created them); orphans whose missing inputs the change
// brought are pooled. It returns the txs that came back from disconnected
// blocks and the orphans pooled, for the node to offer to its peers.
func (p *Pool) Update(connected, disconnected []*chain.Block) []*chain.Tx {
	p.rebuild.Lock()
	defer p.rebuild.Unlock()
	confirmed := map[chain.Hash]bool{}
	for _, b := range connected {
		for _, tx := range b.Txs {
			confirmed[tx.ID()] = true
		}
	}
	p.mu.Lock()
	candidates := make([]*chain.Tx, 0, len(p.txs))
	returning := map[chain.Hash]bool{}
	// Disconnected blocks come tip first; their txs go back oldest block
	// first, so a payment comes back after the one whose change it spends
	// (in the other order the child found no parent and was dropped: a
	// chaos run lost a payment so in a 16-block reorg).
	for _, b := range slices.Backward(disconnected) {
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
	// The pool's own in arrival order, so parents come before children.
	kept := make([]*entry, 0, len(p.txs))
	for _, e := range p.txs {
		if !confirmed[e.id] {
			kept = append(kept, e)
		}
	}
	slices.SortFunc(kept, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	for _, e := range kept {
		candidates = append(candidates, e.tx)
	}
	clear(p.txs)
	clear(p.spent)
	p.bytes = 0
	p.mu.Unlock()

	// Re-validate outside the lock, in order: returning txs first (they
	// are older), then the pool's arrival order.
	var back []*chain.Tx
	for _, tx := range candidates {
		if _, err := p.add(tx); err != nil {
			if returning[tx.ID()] && chain.RuleOf(err) == chain.RuleMissingInput {
				p.KeepOrphan(tx) // a parent still on its way, in a block or a tx
			}
			continue
		}
		if returning[tx.ID()] {
			back = append(back, tx)
		}
	}
	return append(back, p.retryOrphansLocked()...)
}
