package chain

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"

	"golang.org/x/crypto/ripemd160" //nolint:staticcheck // RIPEMD-160 is part of the address format
)

// PubKeyLen is the length of an uncompressed SEC1 P-256 public key.
const PubKeyLen = 65

// PubKeyHash is RIPEMD160(SHA256(pubkey)), what an output pays to.
func PubKeyHash(pubkey []byte) [20]byte {
	s := sha256.Sum256(pubkey)
	r := ripemd160.New()
	r.Write(s[:])
	var h [20]byte
	copy(h[:], r.Sum(nil))
	return h
}

// VerifyInput checks the ASN.1 DER signature of input i of tx against the
// input's public key and SigHash(tx, i); S must be low (sig.go). Mempool
// acceptance and block validation both come here.
func VerifyInput(tx *Tx, i int) error {
	if err := CheckLowS(tx, i); err != nil {
		return err
	}
	in := &tx.Inputs[i]
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), in.PubKey)
	if err != nil {
		return Invalid(RuleSignature, "input %d: public key: %v", i, err)
	}
	d := SigHash(tx, i)
	if !ecdsa.VerifyASN1(pub, d[:], in.Signature) {
		return Invalid(RuleSignature, "input %d: signature does not verify", i)
	}
	return nil
}
