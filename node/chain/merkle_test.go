package chain

import (
	"crypto/sha256"
	"testing"
)

// naiveRoot is an independent recursive statement of the rule: split at the
// largest power of two below n.
func naiveRoot(ids []Hash) Hash {
	if len(ids) == 1 {
		return ids[0]
	}
	k := 1
	for k*2 < len(ids) {
		k *= 2
	}
	l, r := naiveRoot(ids[:k]), naiveRoot(ids[k:])
	buf := append(append([]byte{0}, l[:]...), r[:]...)
	first := sha256.Sum256(buf)
	return sha256.Sum256(first[:])
}

func TestMerkleEveryCount(t *testing.T) {
	seen := map[Hash]int{}
	for n := 1; n <= 13; n++ {
		ids := make([]Hash, n)
		for i := range ids {
			ids[i] = DoubleSHA256([]byte{byte(i)})
		}
		got := MerkleRoot(ids)
		if want := naiveRoot(ids); got != want {
			t.Errorf("n=%d: root %s, want %s", n, got, want)
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("n=%d: same root as n=%d", n, prev)
		}
		seen[got] = n
	}
	if MerkleRoot(nil) != ZeroHash {
		t.Error("empty list should give ZeroHash")
	}
}

// Duplicating the last transaction must change the root (bitcoin's
// duplicate-last rule does not).
func TestMerkleNoDuplicateMutation(t *testing.T) {
	a, b, c := Hash{1}, Hash{2}, Hash{3}
	if MerkleRoot([]Hash{a, b, c}) == MerkleRoot([]Hash{a, b, c, c}) {
		t.Fatal("duplicating the last id kept the root")
	}
}
