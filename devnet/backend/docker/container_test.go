package docker

import (
	"maps"
	"strings"
	"testing"

	"github.com/devchain/devchain/devnet/backend"
)

// A container is labelled with a digest of each secret it got, so one given
// another token or another network key no longer matches; a container that
// got no key has no key label, so it matches one made before the label.
func TestSecretSums(t *testing.T) {
	key := backend.NewNetworkKey()
	base := secretSums("token", key)
	if !sameSecrets(base, secretSums("token", key)) {
		t.Fatal("the same secrets do not match")
	}
	for name, other := range map[string]map[string]string{
		"another key":   secretSums("token", backend.NewNetworkKey()),
		"another token": secretSums("token2", key),
		"no key":        secretSums("token", nil),
	} {
		if sameSecrets(base, other) || sameSecrets(other, base) {
			t.Errorf("%s: labels %v match %v", name, other, base)
		}
	}
	keyless := secretSums("token", nil)
	if _, ok := keyless[labelKeySum]; ok {
		t.Errorf("a container without a key gets a key label: %v", keyless)
	}
	if !sameSecrets(map[string]string{labelTokenSum: keyless[labelTokenSum]}, keyless) {
		t.Error("a keyless container from before the key label does not match")
	}
	// The labels say nothing of the secrets themselves.
	for v := range maps.Values(base) {
		if strings.Contains(string(key), v) || strings.Contains("token", v) || len(v) != 12 {
			t.Errorf("label value %q", v)
		}
	}
}
