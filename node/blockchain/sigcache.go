package blockchain

import (
	"sync"
	"sync/atomic"

	"github.com/devchain/devchain/node/chain"
)

// sigCacheSize bounds the signature cache (about 100 bytes an entry).
const sigCacheSize = 100_000

// sigCache remembers the transactions whose every input signature
// verified, so a transaction checked when it entered the mempool is not
// verified again in a block template or when its block connects. A txid
// commits to the whole transaction, signatures included, and a signature
// covers nothing outside its transaction (chain.SigHash), so a txid that
// verified once always verifies.
type sigCache struct {
	mu  sync.Mutex
	set *hashSet
	// verified counts input signatures verified: with the cache, about
	// one per input of each transaction a node sees.
	verified atomic.Uint64
}

func newSigCache() *sigCache { return &sigCache{set: newHashSet(sigCacheSize)} }

func (s *sigCache) has(id chain.Hash) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.set.has(id)
}

func (s *sigCache) add(ids []chain.Hash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.set.add(id)
	}
}

// verifySigs verifies the signatures of the txs (ids[i] is the id of
// txs[i]) the cache does not hold, on workers goroutines, and caches them.
func (c *Chain) verifySigs(txs []*chain.Tx, ids []chain.Hash, workers int) error {
	var todo []*chain.Tx
	var todoIDs []chain.Hash
	nIn := 0
	for i, tx := range txs {
		if !c.sigs.has(ids[i]) {
			todo = append(todo, tx)
			todoIDs = append(todoIDs, ids[i])
			nIn += len(tx.Inputs)
		}
	}
	if nIn == 0 {
		return nil
	}
	if err := verifyBlockSignatures(todo, nIn, workers, &c.sigs.verified); err != nil {
		return err
	}
	c.sigs.add(todoIDs)
	return nil
}

// SigVerifications counts the input signatures this chain verified.
func (c *Chain) SigVerifications() uint64 { return c.sigs.verified.Load() }
