package blockchain

import (
	"fmt"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/store"
)

// HasBlock says whether h is known: main chain, side chain or orphan.
func (c *Chain) HasBlock(h chain.Hash) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.index[h] != nil || c.orphans.has(h)
}

// Block gives any stored block (or orphan).
func (c *Chain) Block(h chain.Hash) (*chain.Block, error) {
	c.mu.RLock()
	b := c.orphans.get(h)
	c.mu.RUnlock()
	if b != nil {
		return b, nil
	}
	err := c.db.View(func(x *store.Txn) (err error) { b, err = x.Block(h); return err })
	return b, err
}

// BlockAt gives the main chain's block at height.
func (c *Chain) BlockAt(height uint64) (*chain.Block, error) {
	c.mu.RLock()
	if height >= uint64(len(c.main)) {
		tip := len(c.main) - 1
		c.mu.RUnlock()
		return nil, fmt.Errorf("no block at height %d (tip is at %d): %w", height, tip, store.ErrNotFound)
	}
	h := c.main[height].hash
	c.mu.RUnlock()
	return c.Block(h)
}

// HashAt gives the main chain's block hash at height.
func (c *Chain) HashAt(height uint64) (chain.Hash, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if height >= uint64(len(c.main)) {
		return chain.Hash{}, false
	}
	return c.main[height].hash, true
}

// Locator lists main-chain hashes from the tip back to genesis: the last
// ten one by one, then doubling the step, always ending with genesis.
func (c *Chain) Locator() []chain.Hash {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []chain.Hash
	step := uint64(1)
	for h := c.tip().height; ; {
		out = append(out, c.main[h].hash)
		if h == 0 {
			return out
		}
		if len(out) >= 10 {
			step *= 2
		}
		if h < step {
			h = 0
		} else {
			h -= step
		}
	}
}

// HashesAfter gives up to max main-chain hashes, ascending, after the first
// locator hash that is on the main chain (after genesis if none is).
func (c *Chain) HashesAfter(locator []chain.Hash, max int) []chain.Hash {
	c.mu.RLock()
	defer c.mu.RUnlock()
	start := uint64(1)
	for _, h := range locator {
		if n := c.index[h]; n != nil && c.onMain(n) {
			start = n.height + 1
			break
		}
	}
	var out []chain.Hash
	for h := start; h < uint64(len(c.main)) && len(out) < max; h++ {
		out = append(out, c.main[h].hash)
	}
	return out
}

// CheckTx validates a transaction as the mempool takes it: context-free
// checks, inputs against the UTXO set or pending (nil: the UTXO set alone),
// signatures (once per txid: see sigCache). It returns the fee.
func (c *Chain) CheckTx(tx *chain.Tx, pending chain.Unconfirmed) (fee uint64, err error) {
	if err := chain.CheckTxSanity(tx); err != nil {
		return 0, err
	}
	if tx.IsCoinbase() {
		return 0, chain.Invalid(chain.RuleCoinbase, "a coinbase outside a block")
	}
	err = c.db.View(func(x *store.Txn) (err error) {
		var r utxoReader = x
		if pending != nil {
			r = withPending{x, pending}
		}
		fee, _, err = spendInputs(r, tx)
		return err
	})
	if err != nil {
		return 0, err
	}
	if err := c.verifySigs([]*chain.Tx{tx}, []chain.Hash{tx.ID()}, c.workers); err != nil {
		return 0, err
	}
	return fee, nil
}

// withPending reads the UTXO set, then the pending outputs.
type withPending struct {
	utxos   utxoReader
	pending chain.Unconfirmed
}

func (w withPending) UTXO(op chain.OutPoint) (chain.TxOut, bool, error) {
	out, ok, err := w.utxos.UTXO(op)
	if ok || err != nil {
		return out, ok, err
	}
	out, ok = w.pending.Output(op)
	return out, ok, nil
}

// Balance sums the unspent outputs paying pkh.
func (c *Chain) Balance(pkh [20]byte) (uint64, error) {
	us, err := c.UTXOs(pkh)
	var sum uint64
	for _, u := range us {
		sum += u.Value
	}
	return sum, err
}

// UTXOs lists the unspent outputs paying pkh.
func (c *Chain) UTXOs(pkh [20]byte) ([]UTXO, error) {
	var us []UTXO
	err := c.db.View(func(x *store.Txn) (err error) { us, err = x.UTXOsOf(pkh); return err })
	return us, err
}

// UTXO gives an unspent output; ok is false if it does not exist or is spent.
func (c *Chain) UTXO(op chain.OutPoint) (out chain.TxOut, ok bool, err error) {
	err = c.db.View(func(x *store.Txn) (err error) { out, ok, err = x.UTXO(op); return err })
	return out, ok, err
}

// OrphanCount is the number of orphans held.
func (c *Chain) OrphanCount() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.orphans.len()
}
