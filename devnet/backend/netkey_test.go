package backend

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/devchain/devchain/node/identity"
)

// The key file is made once, 0600, in the format chaind reads; asking again
// gives the same key, and another file another key.
func TestMakeNetworkKeyOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "demo")
	path := filepath.Join(dir, NetworkKeyFile)
	key, err := MakeNetworkKey(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v, want 0600", err, st.Mode().Perm())
	}
	if raw, _ := os.ReadFile(path); !bytes.Equal(raw, key) {
		t.Errorf("MakeNetworkKey gave %q, the file holds %q", key, raw)
	}
	if psk, err := identity.ReadNetworkKey(path); err != nil || len(psk) != 32 {
		t.Fatalf("chaind's reader: %v, %d bytes", err, len(psk))
	}
	again, err := MakeNetworkKey(path)
	if err != nil || !bytes.Equal(again, key) {
		t.Errorf("second MakeNetworkKey: %v, key changed: %v", err, !bytes.Equal(again, key))
	}
	if kept, err := KeepNetworkKey(path, NewNetworkKey()); err != nil || !bytes.Equal(kept, key) {
		t.Errorf("KeepNetworkKey over an existing file: %v, replaced it: %v", err, !bytes.Equal(kept, key))
	}
	other, err := MakeNetworkKey(filepath.Join(t.TempDir(), NetworkKeyFile))
	if err != nil || bytes.Equal(other, key) {
		t.Errorf("another devnet's key: %v, same as the first: %v", err, bytes.Equal(other, key))
	}
}

// Devnet invocations at once end with one key and one token, which every
// one of them gets, and no temporary file left behind.
func TestSecretsMadeOnceAtOnce(t *testing.T) {
	dir := t.TempDir()
	const callers = 16
	keys := make([][]byte, callers)
	tokens := make([]string, callers)
	errs := make([]error, 2*callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { keys[i], errs[i] = MakeNetworkKey(filepath.Join(dir, NetworkKeyFile)) })
		wg.Go(func() { tokens[i], errs[callers+i] = MakeToken(dir) })
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || errs[callers+i] != nil {
			t.Fatalf("caller %d: %v, %v", i, errs[i], errs[callers+i])
		}
		if !bytes.Equal(keys[i], keys[0]) || tokens[i] != tokens[0] {
			t.Fatalf("caller %d got another key or token than caller 0", i)
		}
	}
	if tok, err := ReadToken(dir); err != nil || tok != tokens[0] {
		t.Errorf("token file: %q, %v, want what every caller got", tok, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("state dir holds %v, want only %s and %s", entries, NetworkKeyFile, TokenFile)
	}
}

// A damaged key file is an error naming it and saying what is wrong, never
// what the key is; it is not replaced by a new key behind the nodes' back.
func TestDamagedNetworkKey(t *testing.T) {
	good := string(NewNetworkKey())
	hexKey := strings.Fields(good)[2]
	for name, tc := range map[string]struct{ content, want string }{
		"empty":      {"", "not a pnet key file"},
		"no header":  {hexKey + "\n", "not a pnet key file"},
		"base64":     {"/key/swarm/psk/1.0.0/\n/base64/\n" + hexKey + "\n", "not a pnet key file"},
		"short":      {strings.TrimSuffix(good, hexKey[40:]+"\n") + "\n", "a 20-byte key, want 32 bytes"},
		"long":       {strings.TrimSuffix(good, "\n") + "abcd\n", "a 34-byte key, want 32 bytes"},
		"not hex":    {strings.Replace(good, hexKey, "zz"+hexKey[2:], 1), "the key is not hex"}, // the key's line only: its first two digits may stand in the header too
		"two keys":   {good + hexKey + "\n", "not a pnet key file"},
		"odd digits": {strings.TrimSuffix(good, "\n") + "a\n", "the key is not hex"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), NetworkKeyFile)
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := MakeNetworkKey(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("MakeNetworkKey of a damaged file: %v, want an error naming %s and saying %q", err, path, tc.want)
			}
			if strings.Contains(err.Error(), hexKey[8:24]) {
				t.Errorf("the error shows the key: %v", err)
			}
			if raw, _ := os.ReadFile(path); string(raw) != tc.content {
				t.Errorf("the damaged file was rewritten: %q", raw)
			}
		})
	}
	// White space around the lines is no damage; the key comes back as
	// devnet writes it.
	path := filepath.Join(t.TempDir(), NetworkKeyFile)
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(good, "\n", "\r\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if key, err := ReadNetworkKey(path); err != nil || string(key) != good {
		t.Errorf("CRLF key file: %q, %v", key, err)
	}
}
