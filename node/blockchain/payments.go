package blockchain

import (
	"cmp"
	"slices"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/store"
)

// Payment is a payment the node accepted from its own control API, as the
// chain database keeps it (store.Payment).
type Payment = store.Payment

// KeepPayment records a payment the node accepted at (unix ns), in the
// chain database, so that a node killed before the payment left it still
// has it when it starts again.
func (c *Chain) KeepPayment(tx *chain.Tx, at int64) error {
	return c.db.Update(func(x *store.Txn) error { return x.PutPayment(tx, at) })
}

// ForgetPayments deletes the records of payments the node need keep no
// longer.
func (c *Chain) ForgetPayments(ids []chain.Hash) error {
	if len(ids) == 0 {
		return nil
	}
	return c.db.Update(func(x *store.Txn) error {
		for _, id := range ids {
			if err := x.DeletePayment(id); err != nil {
				return err
			}
		}
		return nil
	})
}

// Payments lists the kept payments in the order they were accepted, so a
// payment comes after the earlier payment whose change it spends. Damaged
// records are listed too, with Err set.
func (c *Chain) Payments() ([]Payment, error) {
	var out []Payment
	err := c.db.View(func(x *store.Txn) error {
		return x.ForEachPayment(func(p Payment) error {
			out = append(out, p)
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b Payment) int { return cmp.Compare(a.At, b.At) })
	return out, err
}
