package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/devchain/devchain/node/chain"
)

// Txn is one badger transaction with typed accessors.
type Txn struct{ t *badger.Txn }

// Status of a stored block in the index.
type Status uint8

// Block statuses.
const (
	StatusStored  Status = 0 // passed the checks that need no UTXO set
	StatusValid   Status = 1 // connected: fully valid (kept in memory only)
	StatusInvalid Status = 2 // failed a rule when connected; never retried (persisted)
)

// Network is what a data dir records about its network.
type Network struct {
	Genesis chain.Hash
	Bits    uint32
	Subsidy uint64
}

// IndexEntry is one block of the block index.
type IndexEntry struct {
	Hash   chain.Hash
	Header chain.Header
	Status Status
}

func (x *Txn) get(key []byte, fn func([]byte) error) (bool, error) {
	item, err := x.t.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, item.Value(fn)
}

// Network reads the network record; ok is false in a new database.
func (x *Txn) Network() (n Network, ok bool, err error) {
	ok, err = x.get([]byte(keyNet), func(v []byte) error {
		if len(v) != chain.HashSize+12 {
			return fmt.Errorf("network record of %d bytes", len(v))
		}
		copy(n.Genesis[:], v)
		n.Bits = binary.LittleEndian.Uint32(v[32:])
		n.Subsidy = binary.LittleEndian.Uint64(v[36:])
		return nil
	})
	return n, ok, err
}

// PutNetwork records the network.
func (x *Txn) PutNetwork(n Network) error {
	v := append(n.Genesis[:], make([]byte, 12)...)
	binary.LittleEndian.PutUint32(v[32:], n.Bits)
	binary.LittleEndian.PutUint64(v[36:], n.Subsidy)
	return x.t.Set([]byte(keyNet), v)
}

// Block reads a stored block.
func (x *Txn) Block(h chain.Hash) (*chain.Block, error) {
	var b *chain.Block
	ok, err := x.get(hashKey(pBlock, h), func(v []byte) (err error) {
		b, err = chain.DecodeBlock(v)
		return err
	})
	if err == nil && !ok {
		err = fmt.Errorf("block %s: %w", h, ErrNotFound)
	}
	return b, err
}

// PutBlock stores a block.
func (x *Txn) PutBlock(h chain.Hash, b *chain.Block) error {
	return x.t.Set(hashKey(pBlock, h), b.Bytes())
}

// MarkInvalid records that a stored block broke a rule.
func (x *Txn) MarkInvalid(h chain.Hash) error { return x.t.Set(hashKey(pInvalid, h), nil) }

// ForEachIndex calls fn for every stored block (in hash order) with its
// header and status: StatusInvalid if marked so, else StatusStored (the
// caller knows which blocks are on its main chain). Headers are read from
// the blocks themselves, so connecting a block writes no index entry.
func (x *Txn) ForEachIndex(fn func(IndexEntry) error) error {
	invalid := map[chain.Hash]bool{}
	it := x.t.NewIterator(badger.IteratorOptions{Prefix: []byte{pInvalid}})
	for it.Rewind(); it.Valid(); it.Next() {
		var h chain.Hash
		copy(h[:], it.Item().Key()[1:])
		invalid[h] = true
	}
	it.Close()
	it = x.t.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100, Prefix: []byte{pBlock}})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var e IndexEntry
		copy(e.Hash[:], it.Item().Key()[1:])
		err := it.Item().Value(func(v []byte) error {
			if len(v) < chain.HeaderSize {
				return fmt.Errorf("stored block %s: %d bytes", e.Hash, len(v))
			}
			hdr, err := chain.DecodeHeader(v[:chain.HeaderSize])
			if err != nil {
				return fmt.Errorf("stored block %s: %w", e.Hash, err)
			}
			e.Header = *hdr
			return nil
		})
		if err != nil {
			return err
		}
		if invalid[e.Hash] {
			e.Status = StatusInvalid
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// Tip reads the main chain's tip.
func (x *Txn) Tip() (h chain.Hash, ok bool, err error) {
	ok, err = x.get([]byte(keyTip), func(v []byte) error {
		if len(v) != chain.HashSize {
			return fmt.Errorf("tip record of %d bytes", len(v))
		}
		copy(h[:], v)
		return nil
	})
	return h, ok, err
}

// SetTip records the main chain's tip.
func (x *Txn) SetTip(h chain.Hash) error { return x.t.Set([]byte(keyTip), h[:]) }

// MainHash reads the main chain's block at height.
func (x *Txn) MainHash(height uint64) (h chain.Hash, ok bool, err error) {
	ok, err = x.get(heightKey(height), func(v []byte) error {
		if len(v) != chain.HashSize {
			return fmt.Errorf("height record %d of %d bytes", height, len(v))
		}
		copy(h[:], v)
		return nil
	})
	return h, ok, err
}

// SetMainHash records the main chain's block at height.
func (x *Txn) SetMainHash(height uint64, h chain.Hash) error {
	return x.t.Set(heightKey(height), h[:])
}

// DeleteMainHash removes the height record.
func (x *Txn) DeleteMainHash(height uint64) error { return x.t.Delete(heightKey(height)) }

// UTXO reads an unspent output.
func (x *Txn) UTXO(op chain.OutPoint) (out chain.TxOut, ok bool, err error) {
	ok, err = x.get(utxoKey(op), func(v []byte) (err error) {
		out, err = decodeUTXO(v)
		return err
	})
	return out, ok, err
}

func decodeUTXO(v []byte) (chain.TxOut, error) {
	if len(v) != 28 {
		return chain.TxOut{}, fmt.Errorf("utxo record of %d bytes", len(v))
	}
	return chain.DecodeTxOut(v)
}

// AddUTXO records an unspent output (and its address index entry).
func (x *Txn) AddUTXO(op chain.OutPoint, out chain.TxOut) error {
	return addUTXO(x.t, op, out)
}

// SpendUTXO removes an unspent output (and its address index entry).
func (x *Txn) SpendUTXO(op chain.OutPoint, out chain.TxOut) error {
	if err := x.t.Delete(utxoKey(op)); err != nil {
		return err
	}
	return x.t.Delete(addrKey(out.PubKeyHash, op))
}

type setter interface {
	Set(k, v []byte) error
}

func addUTXO(s setter, op chain.OutPoint, out chain.TxOut) error {
	if err := s.Set(utxoKey(op), out.AppendTo(make([]byte, 0, 28))); err != nil {
		return err
	}
	return s.Set(addrKey(out.PubKeyHash, op), binary.LittleEndian.AppendUint64(nil, out.Value))
}

// Undo reads the outputs a main-chain block spent, in input order. A block
// that spent nothing has no record (PutUndo skips it), so an absent record
// reads as empty; callers that must tell use HasUndo.
func (x *Txn) Undo(h chain.Hash) ([]chain.TxOut, error) {
	var outs []chain.TxOut
	ok, err := x.get(hashKey(pUndo, h), func(v []byte) error {
		if len(v)%28 != 0 {
			return fmt.Errorf("undo record of %s: %d bytes", h, len(v))
		}
		outs = make([]chain.TxOut, len(v)/28)
		for i := range outs {
			var err error
			if outs[i], err = chain.DecodeTxOut(v[i*28 : i*28+28]); err != nil {
				return err
			}
		}
		return nil
	})
	_ = ok
	return outs, err
}

// PutUndo records the outputs a block spent (nothing if it spent none).
func (x *Txn) PutUndo(h chain.Hash, spent []chain.TxOut) error {
	if len(spent) == 0 {
		return nil
	}
	v := make([]byte, 0, 28*len(spent))
	for i := range spent {
		v = spent[i].AppendTo(v)
	}
	return x.t.Set(hashKey(pUndo, h), v)
}

// DeleteUndo removes a block's undo record (after it is disconnected).
func (x *Txn) DeleteUndo(h chain.Hash) error { return x.t.Delete(hashKey(pUndo, h)) }

// UTXO is an unspent output with its outpoint.
type UTXO struct {
	OutPoint chain.OutPoint
	Value    uint64
}

// UTXOsOf lists the unspent outputs paying pkh, through the address index.
func (x *Txn) UTXOsOf(pkh [20]byte) ([]UTXO, error) {
	it := x.t.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100, Prefix: addrPrefix(pkh)})
	defer it.Close()
	var out []UTXO
	for it.Rewind(); it.Valid(); it.Next() {
		u := UTXO{OutPoint: outPointFromKey(it.Item().Key())}
		err := it.Item().Value(func(v []byte) error {
			if len(v) != 8 {
				return fmt.Errorf("address record of %d bytes", len(v))
			}
			u.Value = binary.LittleEndian.Uint64(v)
			return nil
		})
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// ForEachUTXO calls fn for every unspent output, in outpoint order.
func (x *Txn) ForEachUTXO(fn func(chain.OutPoint, chain.TxOut) error) error {
	it := x.t.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100, Prefix: []byte{pUTXO}})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		op := outPointFromKey(it.Item().Key())
		var out chain.TxOut
		err := it.Item().Value(func(v []byte) (err error) {
			out, err = decodeUTXO(v)
			return err
		})
		if err != nil {
			return err
		}
		if err := fn(op, out); err != nil {
			return err
		}
	}
	return nil
}

// ForEachAddrEntry calls fn for every address index entry (for consistency checks).
func (x *Txn) ForEachAddrEntry(fn func(pkh [20]byte, op chain.OutPoint, value uint64) error) error {
	it := x.t.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100, Prefix: []byte{pAddr}})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		k := it.Item().Key()
		var pkh [20]byte
		copy(pkh[:], k[1:21])
		var value uint64
		err := it.Item().Value(func(v []byte) error {
			if len(v) != 8 {
				return fmt.Errorf("address record of %d bytes", len(v))
			}
			value = binary.LittleEndian.Uint64(v)
			return nil
		})
		if err != nil {
			return err
		}
		if err := fn(pkh, outPointFromKey(k), value); err != nil {
			return err
		}
	}
	return nil
}

// Reindexing says whether a reindex was interrupted.
func (x *Txn) Reindexing() (bool, error) {
	return x.get([]byte(keyRedex), func([]byte) error { return nil })
}

// SetReindexing sets or clears the reindex marker.
func (x *Txn) SetReindexing(on bool) error {
	if on {
		return x.t.Set([]byte(keyRedex), []byte{1})
	}
	return x.t.Delete([]byte(keyRedex))
}

// Writer buffers writes of a Batch.
type Writer struct{ wb *badger.WriteBatch }

// AddUTXO records an unspent output (and its address index entry).
func (w *Writer) AddUTXO(op chain.OutPoint, out chain.TxOut) error { return addUTXO(w.wb, op, out) }

// DropUTXOs deletes the whole UTXO set and address index.
func (d *DB) DropUTXOs() error { return d.db.DropPrefix([]byte{pUTXO}, []byte{pAddr}) }
