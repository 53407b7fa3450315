package store

import (
	"encoding/binary"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/devchain/devchain/node/chain"
)

// Payment is a transaction the node accepted from its own control API,
// with when it did.
type Payment struct {
	ID chain.Hash
	At int64 // unix nanoseconds
	// Tx is nil when the record is damaged; Err then says how.
	Tx  *chain.Tx
	Err error
}

// PutPayment records a payment the node accepted at (unix ns).
func (x *Txn) PutPayment(tx *chain.Tx, at int64) error {
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 8+tx.SerializeSize()), uint64(at))
	return x.t.Set(hashKey(pPayment, tx.ID()), tx.AppendTo(v))
}

// DeletePayment forgets a payment.
func (x *Txn) DeletePayment(id chain.Hash) error { return x.t.Delete(hashKey(pPayment, id)) }

// ForEachPayment calls fn for every recorded payment, in txid order. A
// damaged record is handed over with its Err set rather than failing the
// walk: one bad record must not cost the node the others.
func (x *Txn) ForEachPayment(fn func(Payment) error) error {
	it := x.t.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100, Prefix: []byte{pPayment}})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var p Payment
		copy(p.ID[:], it.Item().Key()[1:])
		err := it.Item().Value(func(v []byte) error {
			if len(v) < 8 {
				return fmt.Errorf("payment record of %d bytes", len(v))
			}
			p.At = int64(binary.BigEndian.Uint64(v))
			tx, err := chain.DecodeTx(v[8:])
			if err != nil {
				return err
			}
			if tx.ID() != p.ID {
				return fmt.Errorf("payment record holds tx %s", tx.ID())
			}
			p.Tx = tx
			return nil
		})
		if err != nil {
			p.Err = fmt.Errorf("payment %s: %w", p.ID, err)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}
