package blockchain

import (
	"fmt"
	"path/filepath"
	"sync/atomic"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/store"
)

// minParallelSigs is the input count below which goroutines cost more than
// they save.
const minParallelSigs = 4

// sigJob is one input to verify; state goes pending → claimed → done.
type sigJob struct {
	tx    *chain.Tx
	i     int
	state atomic.Int32
}

const (
	jobPending int32 = iota
	jobClaimed
	jobDone
)

// verifyBlockSignatures verifies every input signature of txs on workers
// goroutines (the caller's included); nIn is the total input count. It
// stops at the first failure. Each input verified counts in verified.
//
// The caller does not wait for the helpers: once no input is left to
// claim, it verifies again itself any input a helper claimed but has not
// finished, and returns when every input is done by someone. A helper
// descheduled in the middle of an input (many nodes on few cores) then
// costs one verification, not a whole scheduler time slice. Results are
// deterministic, so whoever finishes an input first decides it.
func verifyBlockSignatures(txs []*chain.Tx, nIn, workers int, verified *atomic.Uint64) error {
	if workers <= 1 || nIn < minParallelSigs {
		for _, tx := range txs {
			for i := range tx.Inputs {
				verified.Add(1)
				if err := chain.VerifyInput(tx, i); err != nil {
					return wrapTx(err, tx.ID())
				}
			}
		}
		return nil
	}
	jobs := make([]sigJob, 0, nIn)
	for _, tx := range txs {
		for i := range tx.Inputs {
			jobs = append(jobs, sigJob{tx: tx, i: i})
		}
	}
	var next atomic.Int64
	var failed atomic.Pointer[error]
	check := func(j *sigJob) bool {
		verified.Add(1)
		if err := chain.VerifyInput(j.tx, j.i); err != nil {
			err = wrapTx(err, j.tx.ID())
			failed.CompareAndSwap(nil, &err)
			return false
		}
		j.state.Store(jobDone)
		return true
	}
	work := func() {
		for failed.Load() == nil {
			k := next.Add(1) - 1
			if k >= int64(len(jobs)) {
				return
			}
			j := &jobs[k]
			if !j.state.CompareAndSwap(jobPending, jobClaimed) || !check(j) {
				return
			}
		}
	}
	for w := 1; w < workers; w++ {
		go work()
	}
	work()
	for k := range jobs {
		if failed.Load() != nil {
			break
		}
		j := &jobs[k]
		if j.state.Load() != jobDone && !check(j) {
			break
		}
	}
	if e := failed.Load(); e != nil {
		return *e
	}
	return nil
}

// checkStoredSignatures refuses a data dir whose main chain holds a
// high-S signature (chain.RuleHighS), written before low-S was a rule.
// Blocks on the main chain are not validated again at open, so such a node
// would build on a block every peer refuses: a fork nobody notices. An
// error naming the block and tx, at open, says what to do instead; there
// is no migration (no release wrote such data dirs). Only S is checked, no
// signature verified, so the cost is reading the blocks.
func (c *Chain) checkStoredSignatures() error {
	return c.db.View(func(x *store.Txn) error {
		for _, n := range c.main[1:] {
			b, err := x.Block(n.hash)
			if err != nil {
				return fmt.Errorf("block %s at height %d: %w", n.hash, n.height, err)
			}
			for _, tx := range b.Txs[1:] {
				for i := range tx.Inputs {
					if err := chain.CheckLowS(tx, i); err != nil {
						return fmt.Errorf("block %s at height %d: %w; this data dir predates the low-S rule: remove %s and sync again",
							n.hash, n.height, wrapTx(err, tx.ID()), filepath.Join(c.dataDir, "chain"))
					}
				}
			}
		}
		return nil
	})
}
