package chain

import "encoding/binary"

// NewCoinbase builds the coinbase of the block at height paying value to
// payTo. Its input data is the height (uint64 LE) followed by extra.
func NewCoinbase(height uint64, payTo [20]byte, value uint64, extra []byte) *Tx {
	data := binary.LittleEndian.AppendUint64(make([]byte, 0, CoinbaseHeightLen+len(extra)), height)
	data = append(data, extra...)
	return &Tx{
		Version: TxVersion,
		Inputs:  []TxIn{{Prev: OutPoint{Index: CoinbaseIndex}, Signature: data}},
		Outputs: []TxOut{{Value: value, PubKeyHash: payTo}},
	}
}

// CoinbaseHeight reads the height a coinbase carries; ok is false if tx has
// too little data.
func CoinbaseHeight(tx *Tx) (height uint64, ok bool) {
	if len(tx.Inputs) != 1 || len(tx.Inputs[0].Signature) < CoinbaseHeightLen {
		return 0, false
	}
	return binary.LittleEndian.Uint64(tx.Inputs[0].Signature), true
}
