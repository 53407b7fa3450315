package blockchain

import (
	"fmt"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/store"
)

// utxoReader finds unspent outputs: the database's, seen through a txn.
type utxoReader interface {
	UTXO(op chain.OutPoint) (chain.TxOut, bool, error)
}

// checkInputs validates every non-coinbase transaction of b against the
// UTXO set (plus the outputs of earlier transactions in b): each input
// spends an existing unspent output, its public key hashes to that output's
// key hash, inputs cover outputs; then the coinbase pays at most subsidy +
// fees, and every signature verifies (on all cores). It returns the spent
// outputs in input order, for the undo record.
func (c *Chain) checkInputs(r utxoReader, b *chain.Block, ids []chain.Hash) ([]chain.TxOut, error) {
	var spent []chain.TxOut
	var fees uint64
	nIn := 0
	view := newOverlay(r)
	for i, tx := range b.Txs {
		if i > 0 {
			fee, outs, err := spendInputs(view, tx)
			if err != nil {
				return nil, wrapTx(err, ids[i])
			}
			spent = append(spent, outs...)
			fees += fee
			nIn += len(tx.Inputs)
		}
		if i+1 < len(b.Txs) { // later transactions may spend these outputs
			view.apply(tx, ids[i])
		}
	}
	paid, _ := b.Txs[0].TotalOut() // bounded by CheckTxSanity
	if limit := c.p.Subsidy + fees; paid > limit {
		return nil, chain.Invalid(chain.RuleCoinbaseValue, "coinbase pays %d, subsidy %d + fees %d allow %d", paid, c.p.Subsidy, fees, limit)
	}
	if nIn > 0 {
		if err := c.verifySigs(b.Txs[1:], ids[1:], c.workers); err != nil {
			return nil, err
		}
	}
	return spent, nil
}

// overlay is a UTXO view: the database's set plus the outputs created and
// minus those spent by transactions already taken into a block.
type overlay struct {
	base    utxoReader
	created map[chain.OutPoint]chain.TxOut
	spent   map[chain.OutPoint]struct{}
}

func newOverlay(base utxoReader) *overlay { return &overlay{base: base} }

func (o *overlay) UTXO(op chain.OutPoint) (chain.TxOut, bool, error) {
	if _, gone := o.spent[op]; gone {
		return chain.TxOut{}, false, nil
	}
	if out, ok := o.created[op]; ok {
		return out, true, nil
	}
	return o.base.UTXO(op)
}

// apply records what tx spends and creates.
func (o *overlay) apply(tx *chain.Tx, id chain.Hash) {
	if o.created == nil {
		o.created = make(map[chain.OutPoint]chain.TxOut)
		o.spent = make(map[chain.OutPoint]struct{})
	}
	if !tx.IsCoinbase() {
		for _, in := range tx.Inputs {
			o.spent[in.Prev] = struct{}{}
		}
	}
	for j, out := range tx.Outputs {
		o.created[chain.OutPoint{TxID: id, Index: uint32(j)}] = out
	}
}

// spendInputs checks one transaction's inputs against r (not their
// signatures) and gives its fee and the outputs it spends.
func spendInputs(r utxoReader, tx *chain.Tx) (fee uint64, spent []chain.TxOut, err error) {
	spent = make([]chain.TxOut, len(tx.Inputs))
	var in uint64
	for j := range tx.Inputs {
		ti := &tx.Inputs[j]
		out, ok, err := r.UTXO(ti.Prev)
		if err != nil {
			return 0, nil, err
		} else if !ok {
			return 0, nil, chain.Invalid(chain.RuleMissingInput, "input %d spends %s, which does not exist or is spent", j, ti.Prev)
		}
		if chain.PubKeyHash(ti.PubKey) != out.PubKeyHash {
			return 0, nil, chain.Invalid(chain.RuleKeyMismatch, "input %d: public key does not hash to the key hash of %s", j, ti.Prev)
		}
		spent[j] = out
		in += out.Value // each ≤ MaxMoney, at most MaxTxInputs of them: no overflow
	}
	total, _ := tx.TotalOut()
	if total > in {
		return 0, nil, chain.Invalid(chain.RuleInsufficient, "outputs %d exceed inputs %d", total, in)
	}
	return in - total, spent, nil
}

func wrapTx(err error, id chain.Hash) error {
	if re, ok := err.(*chain.RuleError); ok {
		return &chain.RuleError{Rule: re.Rule, Msg: "tx " + id.String() + ": " + re.Msg}
	}
	return err
}

// applyBlock writes the UTXO changes of b, its undo record, its height and
// the tip, in the caller's transaction.
func applyBlock(x *store.Txn, b *chain.Block, ids []chain.Hash, spent []chain.TxOut, n *node) error {
	k := 0
	for i, tx := range b.Txs {
		if i > 0 {
			for j := range tx.Inputs {
				if err := x.SpendUTXO(tx.Inputs[j].Prev, spent[k]); err != nil {
					return err
				}
				k++
			}
		}
		for j, o := range tx.Outputs {
			if err := x.AddUTXO(chain.OutPoint{TxID: ids[i], Index: uint32(j)}, o); err != nil {
				return err
			}
		}
	}
	if err := x.PutUndo(n.hash, spent); err != nil {
		return err
	}
	if err := x.SetMainHash(n.height, n.hash); err != nil {
		return err
	}
	return x.SetTip(n.hash)
}

// revertBlock undoes applyBlock: outputs of b go, the outputs it spent come
// back (walking transactions backwards so spends inside b cancel out).
func revertBlock(x *store.Txn, b *chain.Block, ids []chain.Hash, undo []chain.TxOut, n *node) error {
	k := len(undo)
	for i := len(b.Txs) - 1; i >= 0; i-- {
		tx := b.Txs[i]
		for j, o := range tx.Outputs {
			if err := x.SpendUTXO(chain.OutPoint{TxID: ids[i], Index: uint32(j)}, o); err != nil {
				return err
			}
		}
		if i == 0 {
			continue
		}
		for j := len(tx.Inputs) - 1; j >= 0; j-- {
			k--
			if k < 0 {
				return fmt.Errorf("undo data of %s is short", n.hash)
			}
			if err := x.AddUTXO(tx.Inputs[j].Prev, undo[k]); err != nil {
				return err
			}
		}
	}
	if k != 0 {
		return fmt.Errorf("undo data of %s has %d extra entries", n.hash, k)
	}
	if err := x.DeleteUndo(n.hash); err != nil {
		return err
	}
	if err := x.DeleteMainHash(n.height); err != nil {
		return err
	}
	return x.SetTip(n.parent.hash)
}

// connect validates b against the UTXO set and connects it on top of the
// tip (its parent) in one database transaction; storeBlock says whether the
// block itself is written too (it is not yet stored). On a rule error
// nothing is written.
func (c *Chain) connect(n *node, b *chain.Block, ids []chain.Hash, storeBlock bool) error {
	if ids == nil {
		ids = b.TxIDs()
	}
	err := c.db.Update(func(x *store.Txn) error {
		spent, err := c.checkInputs(x, b, ids)
		if err != nil {
			return err
		}
		if storeBlock {
			if err := x.PutBlock(n.hash, b); err != nil {
				return err
			}
		}
		return applyBlock(x, b, ids, spent, n)
	})
	if err != nil {
		return err
	}
	n.status = store.StatusValid
	c.main = append(c.main, n)
	return nil
}

// disconnectTip reverts the tip block in one database transaction.
func (c *Chain) disconnectTip() (*chain.Block, error) {
	n := c.tip()
	if n.parent == nil {
		return nil, fmt.Errorf("cannot disconnect the genesis block")
	}
	var b *chain.Block
	err := c.db.Update(func(x *store.Txn) error {
		var err error
		if b, err = x.Block(n.hash); err != nil {
			return err
		}
		undo, err := x.Undo(n.hash)
		if err != nil {
			return err
		}
		return revertBlock(x, b, b.TxIDs(), undo, n)
	})
	if err != nil {
		return nil, fmt.Errorf("disconnect block %s at %d: %w", n.hash, n.height, err)
	}
	c.main = c.main[:len(c.main)-1]
	return b, nil
}
