package store

import (
	"encoding/binary"

	"github.com/devchain/devchain/node/chain"
)

// Key layout. One byte of prefix, then fixed-width parts; integers are
// big-endian so keys sort by them.
const (
	pBlock   = 'b' // b ‖ hash              → block encoding
	pInvalid = 'i' // i ‖ hash              → empty: the block broke a rule
	pHeight  = 'h' // h ‖ height            → hash (main chain)
	pUTXO    = 'u' // u ‖ txid ‖ index      → value (8 LE) ‖ pkh (20)
	pAddr    = 'a' // a ‖ pkh ‖ txid ‖ index → value (8 LE)
	pUndo    = 'r' // r ‖ hash              → spent outputs of the block, in input order
	pPayment = 'o' // o ‖ txid              → accepted at (unix ns, 8 BE) ‖ tx encoding
	keyTip   = "t" // → hash of the main chain's tip
	keyNet   = "n" // → genesis hash ‖ bits (4 LE) ‖ subsidy (8 LE)
	keyRedex = "x" // present while a reindex runs
)

func hashKey(p byte, h chain.Hash) []byte {
	k := make([]byte, 1+chain.HashSize)
	k[0] = p
	copy(k[1:], h[:])
	return k
}

func heightKey(height uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{pHeight}, height)
}

func appendOutPoint(k []byte, op chain.OutPoint) []byte {
	return binary.BigEndian.AppendUint32(append(k, op.TxID[:]...), op.Index)
}

func utxoKey(op chain.OutPoint) []byte {
	return appendOutPoint(append(make([]byte, 0, 1+36), pUTXO), op)
}

func addrKey(pkh [20]byte, op chain.OutPoint) []byte {
	k := make([]byte, 0, 1+20+36)
	k = append(append(k, pAddr), pkh[:]...)
	return appendOutPoint(k, op)
}

func addrPrefix(pkh [20]byte) []byte { return append([]byte{pAddr}, pkh[:]...) }

func outPointFromKey(k []byte) chain.OutPoint {
	var op chain.OutPoint
	copy(op.TxID[:], k[len(k)-36:len(k)-4])
	op.Index = binary.BigEndian.Uint32(k[len(k)-4:])
	return op
}
