// Package wallet holds ECDSA P-256 keys, their base58check addresses, and
// the wallet file of a data dir (aliases, mode 0600).
package wallet

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/mr-tron/base58"
)

// AddressVersion is the version byte of an address (base58 "1…" addresses).
const AddressVersion = 0x00

const checksumLen = 4

// EncodeAddress gives the base58check address of a public-key hash: base58 of
// version ‖ pkh ‖ first 4 bytes of SHA-256d(version ‖ pkh).
func EncodeAddress(pkh [20]byte) string {
	b := make([]byte, 0, 1+20+checksumLen)
	b = append(b, AddressVersion)
	b = append(b, pkh[:]...)
	sum := checksum(b)
	return base58.Encode(append(b, sum[:]...))
}

// DecodeAddress parses an address written by EncodeAddress.
func DecodeAddress(s string) ([20]byte, error) {
	var pkh [20]byte
	b, err := base58.Decode(s)
	if err != nil {
		return pkh, fmt.Errorf("address %q: not base58: %v", s, err)
	}
	if len(b) != 1+20+checksumLen {
		return pkh, fmt.Errorf("address %q: %d bytes, want %d", s, len(b), 1+20+checksumLen)
	}
	if b[0] != AddressVersion {
		return pkh, fmt.Errorf("address %q: version %d, want %d", s, b[0], AddressVersion)
	}
	if sum := checksum(b[:21]); !bytes.Equal(sum[:], b[21:]) {
		return pkh, fmt.Errorf("address %q: bad checksum", s)
	}
	copy(pkh[:], b[1:21])
	return pkh, nil
}

func checksum(b []byte) [checksumLen]byte {
	first := sha256.Sum256(b)
	second := sha256.Sum256(first[:])
	return [checksumLen]byte(second[:checksumLen])
}
