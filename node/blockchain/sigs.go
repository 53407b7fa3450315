package blockchain

import (
	"sync"
	"sync/atomic"

	"github.com/devchain/devchain/node/chain"
)

// minParallelSigs is the input count below which goroutines cost more than
// they save.
const minParallelSigs = 4

// verifyBlockSignatures verifies every input signature of txs, spreading the
// inputs over workers goroutines (the caller's included). nIn is the total
// input count. It stops early after the first failure.
func verifyBlockSignatures(txs []*chain.Tx, nIn, workers int) error {
	if workers <= 1 || nIn < minParallelSigs {
		for _, tx := range txs {
			for i := range tx.Inputs {
				if err := chain.VerifyInput(tx, i); err != nil {
					return wrapTx(err, tx.ID())
				}
			}
		}
		return nil
	}
	type job struct {
		tx *chain.Tx
		i  int
	}
	jobs := make([]job, 0, nIn)
	for _, tx := range txs {
		for i := range tx.Inputs {
			jobs = append(jobs, job{tx, i})
		}
	}
	var next atomic.Int64
	var failed atomic.Pointer[error]
	work := func() {
		for failed.Load() == nil {
			k := next.Add(1) - 1
			if k >= int64(len(jobs)) {
				return
			}
			if err := chain.VerifyInput(jobs[k].tx, jobs[k].i); err != nil {
				err = wrapTx(err, jobs[k].tx.ID())
				failed.CompareAndSwap(nil, &err)
				return
			}
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Go(work)
	}
	work()
	wg.Wait()
	if e := failed.Load(); e != nil {
		return *e
	}
	return nil
}
