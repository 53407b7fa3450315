package identity

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestFromSeedIsDeterministic(t *testing.T) {
	a, err := PeerIDFromSeed("devnet/peer-1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := PeerIDFromSeed("devnet/peer-1")
	c, _ := PeerIDFromSeed("devnet/peer-2")
	if a != b || a == c {
		t.Fatalf("peer IDs: %s %s %s", a, b, c)
	}
}

func TestLoadOrCreateKeepsIdentity(t *testing.T) {
	path := filepath.Join(t.TempDir(), "identity.key")
	k1, err := LoadOrCreate(path, "")
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreate(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Equals(k2) {
		t.Fatal("identity changed across loads")
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	if _, err := LoadOrCreate(path, "other"); err == nil {
		t.Fatal("a stored key that differs from the seed must be an error")
	}
}

func TestNetworkKeyRoundTrip(t *testing.T) {
	psk := NetworkKeyFromSeed("s")
	path := filepath.Join(t.TempDir(), "swarm.key")
	if err := os.WriteFile(path, EncodeNetworkKey(psk), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadNetworkKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, psk) {
		t.Fatal("round trip changed the key")
	}
	os.WriteFile(path, []byte("garbage"), 0o600)
	if _, err := ReadNetworkKey(path); err == nil {
		t.Fatal("garbage key accepted")
	}
}
