package wallet

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"

	"github.com/devchain/devchain/node/chain"
)

// Key is a P-256 key pair. Its public key is always the 65-byte uncompressed
// SEC1 encoding and its private key the 32-byte scalar, both fixed-length,
// so a coordinate or scalar with leading zero bytes survives (the tutorial's
// X‖Y and r‖s concatenations lost them).
type Key struct {
	priv *ecdsa.PrivateKey
	pub  []byte
	pkh  [20]byte
}

// NewKey generates a key.
func NewKey() (*Key, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return fromPrivate(priv)
}

// ParseKey reads a 32-byte private scalar written by Key.PrivateBytes.
func ParseKey(b []byte) (*Key, error) {
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), b)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	return fromPrivate(priv)
}

func fromPrivate(priv *ecdsa.PrivateKey) (*Key, error) {
	pub, err := priv.PublicKey.Bytes()
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	return &Key{priv: priv, pub: pub, pkh: chain.PubKeyHash(pub)}, nil
}

// PrivateBytes is the 32-byte private scalar.
func (k *Key) PrivateBytes() []byte {
	b, _ := k.priv.Bytes() // cannot fail for a P-256 key built here
	return b
}

// PubKey is the 65-byte uncompressed public key.
func (k *Key) PubKey() []byte { return k.pub }

// PubKeyHash is RIPEMD160(SHA256(PubKey)).
func (k *Key) PubKeyHash() [20]byte { return k.pkh }

// Address is the base58check address of the key.
func (k *Key) Address() string { return EncodeAddress(k.pkh) }

// Sign gives the ASN.1 DER ECDSA signature of digest, low-S: the only
// form the chain accepts (chain.LowS).
func (k *Key) Sign(digest []byte) ([]byte, error) {
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, digest)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	if sig, err = chain.LowS(sig); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return sig, nil
}

// SignInputs sets PubKey and Signature of every input of tx to this key's,
// signing chain.SigHash of each (which covers the keys, so keys go first).
func (k *Key) SignInputs(tx *chain.Tx) error {
	for i := range tx.Inputs {
		tx.Inputs[i].PubKey = k.pub
	}
	for i := range tx.Inputs {
		d := chain.SigHash(tx, i)
		sig, err := k.Sign(d[:])
		if err != nil {
			return err
		}
		tx.Inputs[i].Signature = sig
	}
	return nil
}
