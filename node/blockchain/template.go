package blockchain

import (
	"errors"
	"log/slog"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/store"
)

// Template builds an unsolved block on the current tip: a coinbase paying
// subsidy + fees to payTo, then those of txs that are valid in order
// against the UTXO set (a transaction may spend an earlier one's outputs)
// and fit the block limits; the others are left out and logged. The
// timestamp is the clock, or the past median if the clock is behind it.
func (c *Chain) Template(payTo [20]byte, txs []*chain.Tx) (*chain.Block, error) {
	for attempt := 0; ; attempt++ {
		b, err := c.template(payTo, txs)
		if !errors.Is(err, errTipMoved) || attempt == 10 {
			return b, err
		}
	}
}

var errTipMoved = errors.New("the tip moved while the template was built")

func (c *Chain) template(payTo [20]byte, txs []*chain.Tx) (*chain.Block, error) {
	c.mu.RLock()
	tip := c.tip()
	ts := max(c.now().Unix(), medianTime(tip))
	c.mu.RUnlock()

	var taken []*chain.Tx
	var fees uint64
	size := chain.HeaderSize + 10 + 200 // header, count, coinbase
	io := 2                             // coinbase input and output
	err := c.db.View(func(x *store.Txn) error {
		if h, _, err := x.Tip(); err != nil {
			return err
		} else if h != tip.hash { // the UTXO set read here must be the tip's
			return errTipMoved
		}
		view := newOverlay(x)
		for _, tx := range txs {
			id := tx.ID()
			if err := chain.CheckTxSanity(tx); err != nil || tx.IsCoinbase() {
				slog.Debug("template leaves out a malformed transaction", "tx", id, "err", err)
				continue
			}
			n := tx.SerializeSize()
			if size+n > chain.MaxBlockSize || io+len(tx.Inputs)+len(tx.Outputs) > chain.MaxBlockIO {
				continue
			}
			fee, _, err := spendInputs(view, tx)
			if err == nil {
				err = c.verifySigs([]*chain.Tx{tx}, []chain.Hash{id}, 1)
			}
			if err != nil {
				slog.Debug("template leaves out a transaction", "tx", id, "err", err)
				continue
			}
			view.apply(tx, id)
			taken = append(taken, tx)
			fees += fee
			size += n
			io += len(tx.Inputs) + len(tx.Outputs)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	height := tip.height + 1
	b := &chain.Block{
		Header: chain.Header{Version: chain.BlockVersion, Height: height, Timestamp: ts, PrevHash: tip.hash, Bits: c.p.Bits},
		Txs:    append([]*chain.Tx{chain.NewCoinbase(height, payTo, c.p.Subsidy+fees, nil)}, taken...),
	}
	b.Header.MerkleRoot = chain.MerkleRoot(b.TxIDs())
	return b, nil
}
