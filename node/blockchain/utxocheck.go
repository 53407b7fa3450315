package blockchain

import (
	"crypto/sha256"
	"fmt"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/store"
)

// MaxUTXORebuild bounds the chain CheckUTXOs rebuilds while the node runs
// (it holds the chain's read lock for the whole of it).
const MaxUTXORebuild = 100_000

// UTXOSummary describes a UTXO set: how many outputs, their value, and a
// digest that equal sets share (the XOR of each entry's hash, so the
// order they are read in does not matter).
type UTXOSummary struct {
	Count  int
	Total  uint64
	Digest chain.Hash
}

func (s *UTXOSummary) add(op chain.OutPoint, out chain.TxOut) {
	h := sha256.Sum256(out.AppendTo(op.AppendTo(nil)))
	for i := range s.Digest {
		s.Digest[i] ^= h[i]
	}
	s.Count++
	s.Total += out.Value
}

// UTXOCheck is the UTXO set as the node keeps it and as its main chain's
// blocks make it, at one tip, and the most coin those blocks may have made.
type UTXOCheck struct {
	Height    uint64
	Tip       chain.Hash
	Stored    UTXOSummary
	Rebuilt   UTXOSummary
	MaxSupply uint64 // the subsidy of every block, genesis included: fees only move coin
}

// CheckUTXOs summarises the stored UTXO set and rebuilds it from the main
// chain's blocks, without stopping the node: connects wait meanwhile.
func (c *Chain) CheckUTXOs() (UTXOCheck, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	tip := c.tip()
	if tip.height > MaxUTXORebuild {
		return UTXOCheck{}, fmt.Errorf("chain of %d blocks: at most %d are rebuilt while the node runs (stop it and run reindexutxo)", tip.height, MaxUTXORebuild)
	}
	out := UTXOCheck{Height: tip.height, Tip: tip.hash, MaxSupply: c.p.Subsidy * (tip.height + 1)}
	err := c.db.View(func(x *store.Txn) error {
		if err := x.ForEachUTXO(func(op chain.OutPoint, o chain.TxOut) error {
			out.Stored.add(op, o)
			return nil
		}); err != nil {
			return err
		}
		utxos := map[chain.OutPoint]chain.TxOut{}
		for _, n := range c.main {
			b, err := x.Block(n.hash)
			if err != nil {
				return fmt.Errorf("block %s at height %d: %w", n.hash, n.height, err)
			}
			for _, tx := range b.Txs {
				if !tx.IsCoinbase() {
					for _, in := range tx.Inputs {
						delete(utxos, in.Prev)
					}
				}
				id := tx.ID()
				for i, o := range tx.Outputs {
					utxos[chain.OutPoint{TxID: id, Index: uint32(i)}] = o
				}
			}
		}
		for op, o := range utxos {
			out.Rebuilt.add(op, o)
		}
		return nil
	})
	return out, err
}
