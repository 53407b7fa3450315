package kube

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/libp2p/go-libp2p/core/pnet"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/node/identity"
)

// keyNotes are the Secret's comment, by where its key comes from.
var keyNotes = map[string]string{
	keySeed:   "The key the nodes derive from network.seed (as devnet's do): anyone who reads the scenario can derive it too.",
	keyRandom: "A random key (the scenario has no network.seed), made by the first `devnet k8s` into this folder and kept by later ones: nodes holding other keys never meet.",
}

// networkKey is the content of the network key file every pod reads, and
// where it comes from (keySeed or keyRandom). A network whose nodes derive
// their key from a seed gets the key that seed derives, the one devnet's
// nodes hold; one without gets opts.NetworkKey, else a random key.
func networkKey(net *spec.Network, opts Options) ([]byte, string, error) {
	if !net.NeedsKey() {
		seed := net.Nodes[0].NetworkSeed
		for _, n := range net.Nodes {
			if n.NetworkSeed != seed {
				return nil, "", fmt.Errorf("devnet %s: nodes %s and %s derive their network keys from different seeds", net.Name, net.Nodes[0].Name, n.Name)
			}
		}
		return identity.EncodeNetworkKey(identity.NetworkKeyFromSeed(seed)), keySeed, nil
	}
	for _, n := range net.Nodes {
		if n.NetworkSeed != "" {
			return nil, "", fmt.Errorf("devnet %s: node %s derives its network key from a seed, others take one from a file", net.Name, n.Name)
		}
	}
	key := opts.NetworkKey
	if key == nil {
		key = backend.NewNetworkKey()
	}
	return key, keyRandom, nil
}

// ReadNetworkKey gives the random network key of the manifests rendered
// before into dir, for Options.NetworkKey: nil when there are none, or when
// their key is a seed's (a scenario that drops its seed gets a new, secret
// key). A Secret that does not hold a key in the form devnet writes is an
// error naming the file.
func ReadNetworkKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, secretFile)
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("network key: %w", err)
	}
	var s corev1.Secret
	if err := yaml.UnmarshalStrict(raw, &s); err != nil {
		return nil, fmt.Errorf("network key %s: %w", path, err)
	}
	if s.Annotations[annotationKeySource] != keyRandom {
		return nil, nil
	}
	key := s.Data[secretKey]
	// The decoder reads exactly a 32-byte key; encoding it again gives
	// the content back only when there was nothing else.
	psk, err := pnet.DecodeV1PSK(bytes.NewReader(key))
	if err != nil || !bytes.Equal(identity.EncodeNetworkKey(psk), key) {
		return nil, fmt.Errorf("network key %s: %s is not a pnet key as devnet writes it", path, secretKey)
	}
	return key, nil
}
