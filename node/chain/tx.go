package chain

import "encoding/binary"

// Tx is a transaction of the UTXO model.
type Tx struct {
	Version uint32
	Inputs  []TxIn
	Outputs []TxOut
}

// AppendTo appends the canonical encoding: version, input count, inputs,
// output count, outputs.
func (tx *Tx) AppendTo(b []byte) []byte {
	b = appendU32(b, tx.Version)
	b = binary.AppendUvarint(b, uint64(len(tx.Inputs)))
	for i := range tx.Inputs {
		b = tx.Inputs[i].AppendTo(b)
	}
	b = binary.AppendUvarint(b, uint64(len(tx.Outputs)))
	for i := range tx.Outputs {
		b = tx.Outputs[i].AppendTo(b)
	}
	return b
}

// SerializeSize is the length of the canonical encoding.
func (tx *Tx) SerializeSize() int {
	n := 4 + varintLen(uint64(len(tx.Inputs))) + varintLen(uint64(len(tx.Outputs))) + len(tx.Outputs)*txOutSize
	for i := range tx.Inputs {
		in := &tx.Inputs[i]
		n += outPointSize + varintLen(uint64(len(in.Signature))) + len(in.Signature) +
			varintLen(uint64(len(in.PubKey))) + len(in.PubKey)
	}
	return n
}

// Bytes is the canonical encoding.
func (tx *Tx) Bytes() []byte { return tx.AppendTo(make([]byte, 0, tx.SerializeSize())) }

// ID is the SHA-256d of the full canonical encoding (signatures included).
func (tx *Tx) ID() Hash { return DoubleSHA256(tx.Bytes()) }

// IsCoinbase says whether tx is shaped like a coinbase: one input spending
// the null outpoint.
func (tx *Tx) IsCoinbase() bool { return len(tx.Inputs) == 1 && tx.Inputs[0].Prev.IsNull() }

// TotalOut sums the outputs; ok is false on overflow.
func (tx *Tx) TotalOut() (sum uint64, ok bool) {
	for _, o := range tx.Outputs {
		if sum+o.Value < sum {
			return 0, false
		}
		sum += o.Value
	}
	return sum, true
}

func (tx *Tx) decode(r *reader) {
	start := r.off
	tx.Version = r.u32("tx version")
	n := r.count("input count", MaxTxInputs, minTxInSize)
	if n > 0 {
		tx.Inputs = make([]TxIn, n)
		for i := range tx.Inputs {
			tx.Inputs[i].decode(r)
		}
	}
	n = r.count("output count", MaxTxOutputs, txOutSize)
	if n > 0 {
		tx.Outputs = make([]TxOut, n)
		for i := range tx.Outputs {
			tx.Outputs[i].decode(r)
		}
	}
	if r.err == nil && r.off-start > MaxTxSize {
		r.fail("transaction of %d bytes exceeds %d", r.off-start, MaxTxSize)
	}
}

// DecodeTx decodes exactly one canonical transaction.
func DecodeTx(b []byte) (*Tx, error) {
	if len(b) > MaxTxSize {
		return nil, (&reader{}).failed("transaction of %d bytes exceeds %d", len(b), MaxTxSize)
	}
	tx := new(Tx)
	r := &reader{b: b}
	tx.decode(r)
	if err := r.end("transaction"); err != nil {
		return nil, err
	}
	return tx, nil
}
