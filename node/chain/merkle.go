package chain

import "crypto/sha256"

// MerkleRoot computes the root of a binary tree over the transaction IDs.
//
// An inner node is SHA-256d(0x00 ‖ left ‖ right); a node without a sibling
// moves up a level unchanged. The 0x00 tag keeps inner nodes apart from
// transaction IDs (a valid transaction encoding starts with version 1, byte
// 0x01), and promoting the odd node instead of duplicating it means no two
// transaction lists share a root (bitcoin's duplicate-last rule allows that
// mutation). It works for every count; the tutorial's tree panicked at 5, 6
// and 9–12 transactions. An empty list gives ZeroHash.
func MerkleRoot(ids []Hash) Hash {
	switch len(ids) {
	case 0:
		return ZeroHash
	case 1:
		return ids[0]
	}
	level := append([]Hash(nil), ids...)
	var buf [1 + 2*HashSize]byte
	for len(level) > 1 {
		next := level[:0]
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
				continue
			}
			copy(buf[1:], level[i][:])
			copy(buf[1+HashSize:], level[i+1][:])
			first := sha256.Sum256(buf[:])
			next = append(next, sha256.Sum256(first[:]))
		}
		level = next
	}
	return level[0]
}
