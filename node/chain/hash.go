package chain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// HashSize is the size of a Hash in bytes.
const HashSize = 32

// Hash is a SHA-256d digest: a block hash, a transaction ID or a Merkle node.
type Hash [HashSize]byte

// ZeroHash is the all-zero hash (the genesis block's parent, the coinbase's
// previous transaction).
var ZeroHash Hash

// String gives the hash as lowercase hex in byte order.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero says whether every byte is zero.
func (h Hash) IsZero() bool { return h == ZeroHash }

// MarshalText encodes the hash as hex (for JSON).
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText parses hex written by MarshalText.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// ParseHash parses 64 hex digits in byte order.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*HashSize {
		return h, fmt.Errorf("hash %q: want %d hex digits, got %d", s, 2*HashSize, len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("hash %q: %w", s, err)
	}
	return h, nil
}

// DoubleSHA256 is SHA-256(SHA-256(b)).
func DoubleSHA256(b []byte) Hash {
	first := sha256.Sum256(b)
	return sha256.Sum256(first[:])
}
