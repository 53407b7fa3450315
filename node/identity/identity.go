// Package identity holds the keys that name a node on the network: its
// libp2p identity and the private-network (pnet) key of the network it
// joins. Both can be derived from a seed so a devnet knows every peer ID and
// the network key before any node starts.
package identity

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/pnet"
)

// FromSeed derives an Ed25519 libp2p key from seed: the Ed25519 seed is
// SHA-256(seed). The same seed always gives the same peer ID.
func FromSeed(seed string) (crypto.PrivKey, error) {
	s := sha256.Sum256([]byte(seed))
	return crypto.UnmarshalEd25519PrivateKey(ed25519.NewKeyFromSeed(s[:]))
}

// PeerIDFromSeed is the peer ID of FromSeed(seed).
func PeerIDFromSeed(seed string) (peer.ID, error) {
	k, err := FromSeed(seed)
	if err != nil {
		return "", err
	}
	return peer.IDFromPrivateKey(k)
}

// LoadOrCreate reads the libp2p key stored at path, or creates one and
// stores it (mode 0600). With a non-empty seed the key is derived from it,
// and a stored key that differs is an error rather than a silent new identity.
func LoadOrCreate(path, seed string) (crypto.PrivKey, error) {
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		k, err := crypto.UnmarshalPrivateKey(raw)
		if err != nil {
			return nil, fmt.Errorf("identity key %s: %w", path, err)
		}
		if seed != "" {
			want, err := FromSeed(seed)
			if err != nil {
				return nil, err
			}
			if !k.Equals(want) {
				return nil, fmt.Errorf("identity key %s does not match --identity-seed", path)
			}
		}
		return k, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("identity key: %w", err)
	}
	var k crypto.PrivKey
	if seed != "" {
		k, err = FromSeed(seed)
	} else {
		k, _, err = crypto.GenerateEd25519Key(nil)
	}
	if err != nil {
		return nil, err
	}
	raw, err = crypto.MarshalPrivateKey(k)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return nil, fmt.Errorf("identity key: %w", err)
	}
	return k, nil
}

// NetworkKeyFromSeed derives a 32-byte pnet key: SHA-256("devchain-psk:" + seed).
func NetworkKeyFromSeed(seed string) pnet.PSK {
	s := sha256.Sum256([]byte("devchain-psk:" + seed))
	return s[:]
}

// EncodeNetworkKey renders a PSK in the libp2p swarm key file format.
func EncodeNetworkKey(psk pnet.PSK) []byte {
	return []byte("/key/swarm/psk/1.0.0/\n/base16/\n" + hex.EncodeToString(psk) + "\n")
}

// ReadNetworkKey parses a swarm key file.
func ReadNetworkKey(path string) (pnet.PSK, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("network key: %w", err)
	}
	psk, err := pnet.DecodeV1PSK(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("network key %s: %w", path, err)
	}
	return psk, nil
}
