package chain

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"math/big"
	"testing"
)

// flipS gives the other signature of the same (r, s) pair: (r, N−s).
func flipS(t *testing.T, sig []byte) []byte {
	t.Helper()
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(sig, &rs); err != nil {
		t.Fatal(err)
	}
	rs.S.Sub(elliptic.P256().Params().N, rs.S)
	out, err := asn1.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// LowS puts every signature in its low form, leaves low ones as they are,
// and the high twin of a signature still verifies for ECDSA itself: only
// the rule stops it.
func TestLowS(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	high := 0
	const n = 500
	for i := range n {
		d := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		sig, err := ecdsa.SignASN1(rand.Reader, priv, d[:])
		if err != nil {
			t.Fatal(err)
		}
		_, s, _ := parseSignature(sig)
		if s.Cmp(halfOrder) > 0 {
			high++
		}
		low, err := LowS(sig)
		if err != nil {
			t.Fatal(err)
		}
		if _, s, ok := parseSignature(low); !ok || s.Cmp(halfOrder) > 0 {
			t.Fatalf("LowS gave S above N/2")
		}
		if !ecdsa.VerifyASN1(&priv.PublicKey, d[:], low) {
			t.Fatal("low-S signature does not verify")
		}
		twin := flipS(t, low)
		if !ecdsa.VerifyASN1(&priv.PublicKey, d[:], twin) {
			t.Fatal("the high-S twin does not verify: the attack would need no rule")
		}
		if again, _ := LowS(twin); string(again) != string(low) {
			t.Fatal("LowS of the twin is not the low signature")
		}
	}
	t.Logf("Go's ecdsa.SignASN1 gave S above N/2 in %d of %d signatures; LowS left none", high, n)
	if high == 0 {
		t.Fatal("no high-S signature among the samples: the test proves nothing")
	}
	if _, err := LowS([]byte{0x30, 0x01}); err == nil {
		t.Fatal("LowS accepted a non-DER signature")
	}
}
