package chain

import (
	"crypto/elliptic"
	"errors"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// An ECDSA signature (r, s) verifies exactly when (r, N−s) does. A
// transaction's ID covers its signatures, so anyone relaying a payment could
// flip S and get a twin with another txid, just as valid, which a miner may
// confirm instead: the payer's txid then never confirms. Only the low form,
// S ≤ N/2, is valid; with Go's strict DER parsing (no alternative encodings
// of r and s) every signature then has one encoding.

// halfOrder is N/2 (rounded down) for P-256, the largest valid S.
var halfOrder = new(big.Int).Rsh(elliptic.P256().Params().N, 1)

// parseSignature reads an ASN.1 DER ECDSA signature as crypto/ecdsa does:
// one SEQUENCE of two minimally encoded INTEGERs and nothing after it.
func parseSignature(der []byte) (r, s *big.Int, ok bool) {
	r, s = new(big.Int), new(big.Int)
	input := cryptobyte.String(der)
	var inner cryptobyte.String
	if !input.ReadASN1(&inner, asn1.SEQUENCE) || !input.Empty() ||
		!inner.ReadASN1Integer(r) || !inner.ReadASN1Integer(s) || !inner.Empty() {
		return nil, nil, false
	}
	return r, s, true
}

// CheckLowS gives a RuleHighS error when the signature of input i of tx
// has S above N/2. A signature that does not parse is left to VerifyInput.
func CheckLowS(tx *Tx, i int) error {
	if _, s, ok := parseSignature(tx.Inputs[i].Signature); ok && s.Cmp(halfOrder) > 0 {
		return Invalid(RuleHighS, "input %d: signature S above N/2 (the malleable twin of a low-S signature)", i)
	}
	return nil
}

// LowS gives the DER signature sig in its only valid form: S replaced by
// N−S when it is above N/2 (Go's ecdsa signers return either half). Every
// signature the node makes goes through it (wallet.Key.Sign).
func LowS(sig []byte) ([]byte, error) {
	r, s, ok := parseSignature(sig)
	if !ok {
		return nil, errors.New("signature is not ASN.1 DER")
	}
	if s.Cmp(halfOrder) <= 0 {
		return sig, nil
	}
	s.Sub(elliptic.P256().Params().N, s)
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r)
		b.AddASN1BigInt(s)
	})
	return b.Bytes()
}
