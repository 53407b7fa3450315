package runner

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/scenario"
	"github.com/devchain/devchain/devnet/state"
)

// setupDevnet sets up the scenario yaml (named by its file) on a fake
// backend with the state in store, and gives the key the backend was handed.
func setupDevnet(t *testing.T, store *state.Store, file, yaml string) []byte {
	t.Helper()
	cfg, err := scenario.Parse(file, []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	net, err := cfg.Spec()
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[string]*fakeNode{"bootstrap": {role: "bootstrap"}}
	for _, n := range net.Nodes {
		if nodes[n.Name] == nil {
			nodes[n.Name] = &fakeNode{role: "node"}
		}
	}
	be := newFakeBackend(t, nodes)
	if err := New(cfg, net, be, store, nil).Setup(t.Context()); err != nil {
		t.Fatal(err)
	}
	return be.key
}

// A devnet without a seed gets a random network key, kept 0600 in its state
// dir and out of its record; set up again (`up` of the same scenario) it
// keeps it, and another devnet gets another.
func TestSetupMakesTheNetworkKeyOnce(t *testing.T) {
	store := &state.Store{Root: t.TempDir()}
	const yaml = "nodes: [{name: a}]\n"
	key := setupDevnet(t, store, "one.yaml", yaml)
	if len(key) == 0 {
		t.Fatal("the backend's Setup got no network key")
	}
	path := filepath.Join(store.Dir("one"), backend.NetworkKeyFile)
	if have, err := backend.ReadNetworkKey(path); err != nil || !bytes.Equal(have, key) {
		t.Fatalf("%s: %v; holds the key Setup got: %v", path, err, bytes.Equal(have, key))
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v, %v", st.Mode().Perm(), err)
	}
	rec, err := os.ReadFile(filepath.Join(store.Dir("one"), state.RecordFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(rec, bytes.Fields(key)[2]) || bytes.Contains(rec, []byte("NetworkKey")) {
		t.Errorf("%s holds the network key:\n%s", state.RecordFile, rec)
	}
	if again := setupDevnet(t, store, "one.yaml", yaml); !bytes.Equal(again, key) {
		t.Error("set up again, the devnet got another network key")
	}
	if other := setupDevnet(t, store, "two.yaml", yaml); len(other) == 0 || bytes.Equal(other, key) {
		t.Errorf("another devnet's key: %d bytes, same as the first: %v", len(other), bytes.Equal(other, key))
	}
	// Without a store (runner tests) the key is random and in memory only.
	if mem := setupDevnet(t, nil, "one.yaml", yaml); len(mem) == 0 || bytes.Equal(mem, key) {
		t.Errorf("storeless key: %d bytes, same as the stored one: %v", len(mem), bytes.Equal(mem, key))
	}
}

// With a seed in the file every node derives the key: no key, no file.
func TestSetupWithSeedMakesNoKey(t *testing.T) {
	store := &state.Store{Root: t.TempDir()}
	if key := setupDevnet(t, store, "seeded.yaml", "network: {seed: s}\nnodes: [{name: a}]\n"); key != nil {
		t.Errorf("a seeded devnet's Setup got a key: %q", key)
	}
	if _, err := os.Stat(filepath.Join(store.Dir("seeded"), backend.NetworkKeyFile)); !os.IsNotExist(err) {
		t.Errorf("a seeded devnet has a key file: %v", err)
	}
}
