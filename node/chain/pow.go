package chain

import (
	"math/big"
	"math/bits"
)

// MaxBits bounds the difficulty: 2^32 expected hashes is already far beyond
// what a devnet wants, and it keeps Work small.
const MaxBits = 32

// LeadingZeroBits counts the zero bits at the start of h (byte 0 first, most
// significant bit first).
func LeadingZeroBits(h Hash) int {
	n := 0
	for _, b := range h {
		if b != 0 {
			return n + bits.LeadingZeros8(b)
		}
		n += 8
	}
	return n
}

// CheckProofOfWork says whether h has at least nbits leading zero bits.
func CheckProofOfWork(h Hash, nbits uint32) bool {
	if nbits > 8*HashSize {
		return false
	}
	full := int(nbits / 8)
	for i := 0; i < full; i++ {
		if h[i] != 0 {
			return false
		}
	}
	if rem := nbits % 8; rem != 0 {
		return h[full]>>(8-rem) == 0
	}
	return true
}

// Work is the expected number of hashes to meet nbits: 2^nbits.
func Work(nbits uint32) *big.Int { return new(big.Int).Lsh(big.NewInt(1), uint(nbits)) }
