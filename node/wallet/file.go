package wallet

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sync"
)

// FileName is the wallet file inside a data dir.
const FileName = "wallet.dat"

const fileVersion = 1

// fileFormat is the JSON on disk: explicit fields, the private key as hex of
// its fixed 32 bytes (the tutorial's gob of ecdsa.PrivateKey no longer loads
// on current Go).
type fileFormat struct {
	Version int         `json:"version"`
	Keys    []fileEntry `json:"keys"`
}

type fileEntry struct {
	Alias      string `json:"alias,omitempty"`
	PrivateKey string `json:"private_key"`
}

// Entry is one wallet: its alias ("" if none) and address.
type Entry struct {
	Alias   string `json:"alias"`
	Address string `json:"address"`
}

// Wallets is the set of keys of one data dir. It is safe for concurrent use
// within one process.
type Wallets struct {
	mu   sync.Mutex
	path string
	keys []*entry
}

type entry struct {
	alias string
	key   *Key
}

var aliasRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// ErrNotFound is wrapped when an alias or address has no key here.
var ErrNotFound = errors.New("no such wallet")

// Open loads <dataDir>/wallet.dat, or gives an empty set if there is none. A
// file that does not parse is an error naming it; it is never overwritten.
func Open(dataDir string) (*Wallets, error) {
	w := &Wallets{path: filepath.Join(dataDir, FileName)}
	data, err := os.ReadFile(w.path)
	if errors.Is(err, fs.ErrNotExist) {
		return w, nil
	}
	if err != nil {
		return nil, fmt.Errorf("wallet file: %w", err)
	}
	if err := w.parse(data); err != nil {
		return nil, fmt.Errorf("wallet file %s is corrupt: %w", w.path, err)
	}
	return w, nil
}

func (w *Wallets) parse(data []byte) error {
	var f fileFormat
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return err
	}
	if f.Version != fileVersion {
		return fmt.Errorf("version %d, want %d", f.Version, fileVersion)
	}
	seen := map[string]bool{}
	for i, e := range f.Keys {
		raw, err := hex.DecodeString(e.PrivateKey)
		if err != nil {
			return fmt.Errorf("key %d: %v", i, err)
		}
		k, err := ParseKey(raw)
		if err != nil {
			return fmt.Errorf("key %d: %v", i, err)
		}
		if e.Alias != "" {
			if !aliasRE.MatchString(e.Alias) || seen[e.Alias] {
				return fmt.Errorf("key %d: bad or repeated alias %q", i, e.Alias)
			}
			seen[e.Alias] = true
		}
		w.keys = append(w.keys, &entry{alias: e.Alias, key: k})
	}
	return nil
}

// Create makes a key under alias (may be empty), saves the file and returns
// the key.
func (w *Wallets) Create(alias string) (*Key, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if alias != "" {
		if !aliasRE.MatchString(alias) {
			return nil, fmt.Errorf("alias %q: use 1-64 letters, digits, '_', '.' or '-'", alias)
		}
		if _, err := DecodeAddress(alias); err == nil {
			return nil, fmt.Errorf("alias %q: looks like an address", alias)
		}
		for _, e := range w.keys {
			if e.alias == alias {
				return nil, fmt.Errorf("alias %q already exists (%s)", alias, e.key.Address())
			}
		}
	}
	k, err := NewKey()
	if err != nil {
		return nil, err
	}
	w.keys = append(w.keys, &entry{alias: alias, key: k})
	if err := w.save(); err != nil {
		w.keys = w.keys[:len(w.keys)-1]
		return nil, err
	}
	return k, nil
}

// save writes the file atomically (temp file, fsync, rename) with mode 0600.
func (w *Wallets) save() error {
	f := fileFormat{Version: fileVersion, Keys: make([]fileEntry, len(w.keys))}
	for i, e := range w.keys {
		f.Keys[i] = fileEntry{Alias: e.alias, PrivateKey: hex.EncodeToString(e.key.PrivateBytes())}
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(w.path), 0o700); err != nil {
		return fmt.Errorf("wallet dir: %w", err)
	}
	if err := writeFileAtomic(w.path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write wallet file %s: %w", w.path, err)
	}
	return nil
}

// writeFileAtomic writes a temp file beside path, syncs it and renames it
// over path, so a crash leaves the old file or the new one, never half.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(perm)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// List gives every wallet in creation order.
func (w *Wallets) List() []Entry {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Entry, len(w.keys))
	for i, e := range w.keys {
		out[i] = Entry{Alias: e.alias, Address: e.key.Address()}
	}
	return out
}

// Key finds the key of an alias or address held here.
func (w *Wallets) Key(aliasOrAddr string) (*Key, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, e := range w.keys {
		if e.alias != "" && e.alias == aliasOrAddr {
			return e.key, nil
		}
	}
	pkh, err := DecodeAddress(aliasOrAddr)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is no alias here and no address (%v)", ErrNotFound, aliasOrAddr, err)
	}
	for _, e := range w.keys {
		if e.key.pkh == pkh {
			return e.key, nil
		}
	}
	return nil, fmt.Errorf("%w: this data dir holds no key for address %s", ErrNotFound, aliasOrAddr)
}

// Resolve gives the public-key hash of an alias held here or of any valid
// address (which need not be ours).
func (w *Wallets) Resolve(aliasOrAddr string) ([20]byte, error) {
	w.mu.Lock()
	for _, e := range w.keys {
		if e.alias != "" && e.alias == aliasOrAddr {
			w.mu.Unlock()
			return e.key.pkh, nil
		}
	}
	w.mu.Unlock()
	pkh, err := DecodeAddress(aliasOrAddr)
	if err != nil {
		return pkh, fmt.Errorf("%q is no alias of this wallet and no valid address: %v", aliasOrAddr, err)
	}
	return pkh, nil
}

// Path is the wallet file's path.
func (w *Wallets) Path() string { return w.path }
