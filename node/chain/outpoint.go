package chain

import (
	"fmt"
	"math"
)

// CoinbaseIndex is the output index a coinbase input names (with ZeroHash).
const CoinbaseIndex = math.MaxUint32

// OutPoint names one output of one transaction. Index is the output's
// position in the transaction, never renumbered (the tutorial compacted
// output numbers in its UTXO index, so spends named the wrong output).
type OutPoint struct {
	TxID  Hash
	Index uint32
}

// String gives "txid:index".
func (o OutPoint) String() string { return fmt.Sprintf("%s:%d", o.TxID, o.Index) }

// IsNull says whether this is the coinbase's outpoint.
func (o OutPoint) IsNull() bool { return o.TxID.IsZero() && o.Index == CoinbaseIndex }

// AppendTo appends the 36-byte encoding (txid, index).
func (o OutPoint) AppendTo(b []byte) []byte { return appendU32(append(b, o.TxID[:]...), o.Index) }

func (o *OutPoint) decode(r *reader) {
	o.TxID = r.hash("outpoint txid")
	o.Index = r.u32("outpoint index")
}

// Unconfirmed is outputs a transaction may spend besides the UTXO set:
// the mempool's, for a payment that spends one not confirmed yet.
type Unconfirmed interface {
	Output(op OutPoint) (TxOut, bool)
}
