package blockchain

import (
	"fmt"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/store"
)

// Reindex rebuilds the UTXO set (and its address index) from the main
// chain's blocks and gives the number of unspent outputs. A marker makes an
// interrupted reindex run again at the next Open.
func (c *Chain) Reindex() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reindexLocked()
}

func (c *Chain) reindexLocked() (int, error) {
	set, err := c.rebuildUTXOs()
	if err != nil {
		return 0, err
	}
	if err := c.db.Update(func(x *store.Txn) error { return x.SetReindexing(true) }); err != nil {
		return 0, fmt.Errorf("reindex: %w", err)
	}
	if err := c.db.DropUTXOs(); err != nil {
		return 0, fmt.Errorf("reindex: drop the UTXO set: %w", err)
	}
	err = c.db.Batch(func(w *store.Writer) error {
		for op, out := range set {
			if err := w.AddUTXO(op, out); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("reindex: write the UTXO set: %w", err)
	}
	if err := c.db.Update(func(x *store.Txn) error { return x.SetReindexing(false) }); err != nil {
		return 0, fmt.Errorf("reindex: %w", err)
	}
	return len(set), nil
}

// rebuildUTXOs replays the main chain's blocks into a UTXO set in memory.
func (c *Chain) rebuildUTXOs() (map[chain.OutPoint]chain.TxOut, error) {
	set := make(map[chain.OutPoint]chain.TxOut)
	err := c.db.View(func(x *store.Txn) error {
		for _, n := range c.main {
			b, err := x.Block(n.hash)
			if err != nil {
				return err
			}
			for i, tx := range b.Txs {
				if i > 0 {
					for _, in := range tx.Inputs {
						if _, ok := set[in.Prev]; !ok {
							return fmt.Errorf("block %s at %d spends missing %s", n.hash, n.height, in.Prev)
						}
						delete(set, in.Prev)
					}
				}
				id := tx.ID()
				for j, o := range tx.Outputs {
					set[chain.OutPoint{TxID: id, Index: uint32(j)}] = o
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rebuild UTXO set: %w", err)
	}
	return set, nil
}

// Verify checks the database's invariants: the tip record, the height
// index and the main chain agree; every main block has undo data; the UTXO
// set equals the one rebuilt from the blocks; the address index mirrors it.
func (c *Chain) Verify() error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	want, err := c.rebuildUTXOs()
	if err != nil {
		return err
	}
	return c.db.View(func(x *store.Txn) error {
		tip, ok, err := x.Tip()
		if err != nil || !ok || tip != c.tip().hash {
			return fmt.Errorf("tip record %s (ok %v, %v), main chain tip %s", tip, ok, err, c.tip().hash)
		}
		for height, n := range c.main {
			h, ok, err := x.MainHash(uint64(height))
			if err != nil || !ok || h != n.hash {
				return fmt.Errorf("height %d: index says %s (ok %v, %v), chain has %s", height, h, ok, err, n.hash)
			}
			if n.parent != nil && n.parent != c.main[height-1] {
				return fmt.Errorf("height %d: parent is not the main block below", height)
			}
			undo, err := x.Undo(n.hash)
			if err != nil {
				return err
			}
			if want := spends(x, n.hash); len(undo) != want {
				return fmt.Errorf("height %d: undo data has %d outputs, block spends %d", height, len(undo), want)
			}
		}
		if _, ok, _ := x.MainHash(uint64(len(c.main))); ok {
			return fmt.Errorf("height index has an entry above the tip (%d)", len(c.main)-1)
		}
		got := 0
		err = x.ForEachUTXO(func(op chain.OutPoint, out chain.TxOut) error {
			got++
			if w, ok := want[op]; !ok || w != out {
				return fmt.Errorf("UTXO set has %s = %+v, blocks give %+v (present %v)", op, out, w, ok)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if got != len(want) {
			return fmt.Errorf("UTXO set has %d outputs, blocks give %d", got, len(want))
		}
		addr := 0
		err = x.ForEachAddrEntry(func(pkh [20]byte, op chain.OutPoint, value uint64) error {
			addr++
			if w, ok := want[op]; !ok || w.PubKeyHash != pkh || w.Value != value {
				return fmt.Errorf("address index has %s for %x = %d, not in the UTXO set", op, pkh, value)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if addr != len(want) {
			return fmt.Errorf("address index has %d entries, UTXO set %d", addr, len(want))
		}
		return nil
	})
}

// spends counts the inputs of a stored block's non-coinbase transactions.
func spends(x *store.Txn, h chain.Hash) int {
	b, err := x.Block(h)
	if err != nil {
		return -1
	}
	n := 0
	for _, tx := range b.Txs[1:] {
		n += len(tx.Inputs)
	}
	return n
}
