package chain

// TxIn spends the output Prev. PubKey is the spender's uncompressed SEC1
// P-256 key (65 bytes) and Signature its ASN.1 DER ECDSA signature of
// SigHash. A coinbase input has the null outpoint, no key, and carries the
// block height and free data in Signature.
type TxIn struct {
	Prev      OutPoint
	Signature []byte
	PubKey    []byte
}

// AppendTo appends the encoding: outpoint, signature, public key.
func (in *TxIn) AppendTo(b []byte) []byte {
	b = in.Prev.AppendTo(b)
	b = appendVarBytes(b, in.Signature)
	return appendVarBytes(b, in.PubKey)
}

func (in *TxIn) decode(r *reader) {
	in.Prev.decode(r)
	in.Signature = r.bytes("input signature", MaxSigLen)
	in.PubKey = r.bytes("input public key", MaxPubKeyLen)
}
