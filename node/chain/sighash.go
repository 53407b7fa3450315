package chain

import (
	"crypto/sha256"
	"encoding/binary"
)

// sighashTag separates signature digests from every other hash of the chain.
const sighashTag = "devchain/sighash/v1"

// SigHash is the digest that input i of tx signs. It is SHA-256d over:
//
//	"devchain/sighash/v1"
//	tx.Version                          (uint32 LE)
//	input count, then each input's outpoint (txid, uint32 LE index)
//	output count, then each output (uint64 LE value, 20-byte key hash)
//	i                                   (uint32 LE, the input being signed)
//	the public key of input i           (varint length + bytes)
//
// so a signature commits to every outpoint spent and every output paid (no
// input or output can be added, removed or changed afterwards), to its own
// position, and to the key that must verify it. Signatures themselves are
// left out: they cannot sign themselves, and the other inputs' signatures
// change nothing that is spent or paid. Counts are minimal varints.
func SigHash(tx *Tx, i int) Hash {
	n := len(sighashTag) + 4 + 2*maxVarintSize + len(tx.Inputs)*outPointSize +
		len(tx.Outputs)*txOutSize + 4 + maxVarintSize + MaxPubKeyLen
	b := make([]byte, 0, n)
	b = append(b, sighashTag...)
	b = appendU32(b, tx.Version)
	b = binary.AppendUvarint(b, uint64(len(tx.Inputs)))
	for j := range tx.Inputs {
		b = tx.Inputs[j].Prev.AppendTo(b)
	}
	b = binary.AppendUvarint(b, uint64(len(tx.Outputs)))
	for j := range tx.Outputs {
		b = tx.Outputs[j].AppendTo(b)
	}
	b = appendU32(b, uint32(i))
	var key []byte
	if i >= 0 && i < len(tx.Inputs) {
		key = tx.Inputs[i].PubKey
	}
	b = appendVarBytes(b, key)
	first := sha256.Sum256(b)
	return sha256.Sum256(first[:])
}
