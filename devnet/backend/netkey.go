package backend

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/devchain/devchain/node/identity"
)

// NetworkKeyFile is the file in a devnet's state dir holding the network
// key of its nodes that derive none from a seed (spec.Network.NeedsKey):
// the runner makes it before Setup, the process backend hands its path to
// each node, the docker backend copies its content into each container.
const NetworkKeyFile = "network.key"

// networkKeyLen is the size of a libp2p pnet key (the only size it takes).
const networkKeyLen = 32

// NewNetworkKey is a random network key, as the content of a key file.
func NewNetworkKey() []byte {
	psk := make([]byte, networkKeyLen)
	rand.Read(psk) // never fails: it crashes the program rather than return less
	return identity.EncodeNetworkKey(psk)
}

// MakeNetworkKey gives the network key in the file at path, first creating
// it (NewNetworkKey, mode 0600) when there is none: a devnet set up again
// keeps the key its nodes already hold.
func MakeNetworkKey(path string) ([]byte, error) {
	return KeepNetworkKey(path, NewNetworkKey())
}

// KeepNetworkKey gives the network key in the file at path, first creating
// it with key (mode 0600) when there is none. The key given is the file's,
// which differs from key when the file was there before.
func KeepNetworkKey(path string, key []byte) ([]byte, error) {
	return readOrCreate(path, ReadNetworkKey, func() ([]byte, error) { return key, nil })
}

// ReadNetworkKey reads a network key file in the one format devnet writes
// (identity.EncodeNetworkKey: the /key/swarm/psk/1.0.0/ header, /base16/,
// 64 hex digits) and gives it in that form. Anything else, say a truncated
// file or a longer key (which libp2p would cut to 32 bytes without a word),
// is an error naming the file: nodes given it would never meet the others.
func ReadNetworkKey(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("network key: %w", err)
	}
	f := bytes.Fields(raw)
	// The header lines, as the encoder spells them, without a key.
	header := bytes.Fields(identity.EncodeNetworkKey(nil))
	if len(f) != len(header)+1 || !bytes.Equal(f[0], header[0]) || !bytes.Equal(f[1], header[1]) {
		return nil, fmt.Errorf("network key %s: not a pnet key file (want the lines %s, %s, then the key in hex)", path, header[0], header[1])
	}
	// The errors say what is wrong with the key, never what it is.
	psk, err := hex.DecodeString(string(f[2]))
	switch {
	case err != nil:
		return nil, fmt.Errorf("network key %s: the key is not hex (%w)", path, err)
	case len(psk) != networkKeyLen:
		return nil, fmt.Errorf("network key %s: a %d-byte key, want %d bytes", path, len(psk), networkKeyLen)
	}
	return identity.EncodeNetworkKey(psk), nil
}
