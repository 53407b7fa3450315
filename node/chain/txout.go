package chain

// TxOut pays Value to whoever holds the key whose RIPEMD160(SHA256(pubkey))
// is PubKeyHash.
type TxOut struct {
	Value      uint64
	PubKeyHash [20]byte
}

// AppendTo appends the 28-byte encoding: value, public-key hash.
func (o *TxOut) AppendTo(b []byte) []byte {
	return append(appendU64(b, o.Value), o.PubKeyHash[:]...)
}

func (o *TxOut) decode(r *reader) {
	o.Value = r.u64("output value")
	if s := r.take(20, "output public-key hash"); s != nil {
		copy(o.PubKeyHash[:], s)
	}
}

// DecodeTxOut decodes exactly the 28-byte encoding of AppendTo.
func DecodeTxOut(b []byte) (TxOut, error) {
	var o TxOut
	r := &reader{b: b}
	o.decode(r)
	return o, r.end("output")
}
