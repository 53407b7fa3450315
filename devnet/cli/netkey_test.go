package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/state"
)

// A scenario without a seed gets a random key beside its compose file,
// which rendering again keeps (a compose network may be running on it).
func TestComposeKeepsItsKeyFile(t *testing.T) {
	f := writeScenario(t, "name: keyed\nnodes: [{name: a}]\n")
	dir := t.TempDir()
	out := filepath.Join(dir, "docker-compose.yml")
	render := func() (string, error) {
		_, err := runDevnet(t, t.TempDir(), "compose", "-f", f, "-o", out)
		raw, _ := os.ReadFile(out)
		return string(raw), err
	}
	first, err := render()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "keyed.network.key")
	key, err := backend.ReadNetworkKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v, %v", st.Mode().Perm(), err)
	}
	if !strings.Contains(first, "./keyed.network.key:/network.key:ro") || !strings.Contains(first, "--network-key, /network.key") || strings.Contains(first, "--network-seed") {
		t.Errorf("compose file does not mount the key file, or derives a key:\n%s", first)
	}
	if strings.Contains(first, string(bytes.Fields(key)[2])) {
		t.Error("the compose file holds the key")
	}
	again, err := render()
	if err != nil {
		t.Fatal(err)
	}
	if have, err := backend.ReadNetworkKey(keyFile); err != nil || !bytes.Equal(have, key) || again != first {
		t.Errorf("rendered again: %v, key changed: %v, compose file changed: %v", err, !bytes.Equal(have, key), again != first)
	}
	// Elsewhere the same scenario gets a key of its own.
	if _, err := runDevnet(t, t.TempDir(), "compose", "-f", f, "-o", filepath.Join(t.TempDir(), "c.yml")); err != nil {
		t.Fatal(err)
	}
	// A damaged key file is an error naming it, and nothing is rewritten.
	if err := os.WriteFile(keyFile, []byte("junk\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(out); err != nil {
		t.Fatal(err)
	}
	if _, err := render(); err == nil || !strings.Contains(err.Error(), keyFile) {
		t.Errorf("compose over a damaged key file: %v, want an error naming %s", err, keyFile)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("compose wrote its file over a damaged key: %v", err)
	}
}

// A devnet set up again by another invocation (`devnet up` of the same
// scenario, no seed) keeps the random key its nodes hold, on every runtime:
// the node stopped in between comes back on the key of those that ran on,
// or it would find no peer and up would fail. The key stays out of the
// record.
func TestUpAgainKeepsTheNetworkKey(t *testing.T) {
	onEveryRuntime(t, "reup", func(t *testing.T, runtime, name, stateRoot string) {
		f := writeScenario(t, "name: "+name+"\nnodes:\n  - name: a\n  - name: b\nsteps:\n  - stop: b\n")
		keyFile := filepath.Join(stateRoot, name, backend.NetworkKeyFile)
		if out, err := runDevnet(t, stateRoot, "run", "-f", f, "--keep", "--runtime", runtime, "--chaind", realChaind, "--artifacts", t.TempDir()); err != nil {
			t.Fatalf("run --keep: %v\n%s", err, out)
		}
		key, err := backend.ReadNetworkKey(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := runDevnet(t, stateRoot, "up", "-f", f, "--runtime", runtime, "--chaind", realChaind); err != nil {
			t.Fatalf("up again (b stopped, the others running): %v\n%s", err, out)
		}
		if again, err := backend.ReadNetworkKey(keyFile); err != nil || !bytes.Equal(again, key) {
			t.Fatalf("up again: %v, made another network key: %v", err, !bytes.Equal(again, key))
		}
		rec, err := os.ReadFile(filepath.Join(stateRoot, name, state.RecordFile))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(rec, bytes.Fields(key)[2]) {
			t.Errorf("%s holds the network key", state.RecordFile)
		}
	})
}
