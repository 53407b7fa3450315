package wallet

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
// within one process, and several processes may add keys to one data dir
// at once (offline createwallet, a node's POST /wallets): see Create.
type Wallets struct {
	mu    sync.Mutex
	path  string
	keys  []*entry
	stamp os.FileInfo // the file keys were read from or written as; nil: none
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
	keys, stamp, err := load(w.path)
	if err != nil {
		return nil, err
	}
	w.keys, w.stamp = keys, stamp
	return w, nil
}

// load reads the wallet file at path and the FileInfo of what it read; no
// file gives no keys and a nil FileInfo. Writers replace the file by
// rename, so a reader without the lock still sees one whole version.
func load(path string) ([]*entry, os.FileInfo, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("wallet file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("wallet file: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, fmt.Errorf("wallet file: %w", err)
	}
	keys, err := parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("wallet file %s is corrupt: %w", path, err)
	}
	return keys, st, nil
}

func parse(data []byte) ([]*entry, error) {
	var f fileFormat
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if f.Version != fileVersion {
		return nil, fmt.Errorf("version %d, want %d", f.Version, fileVersion)
	}
	seen := map[string]bool{}
	keys := make([]*entry, 0, len(f.Keys))
	for i, e := range f.Keys {
		raw, err := hex.DecodeString(e.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("key %d: %v", i, err)
		}
		k, err := ParseKey(raw)
		if err != nil {
			return nil, fmt.Errorf("key %d: %v", i, err)
		}
		if e.Alias != "" {
			if !aliasRE.MatchString(e.Alias) || seen[e.Alias] {
				return nil, fmt.Errorf("key %d: bad or repeated alias %q", i, e.Alias)
			}
			seen[e.Alias] = true
		}
		keys = append(keys, &entry{alias: e.Alias, key: k})
	}
	return keys, nil
}

// refreshLocked reloads the set when the file is no longer the one it was
// read from (another process added a key), so a node sees keys created
// offline while it ran. A file that cannot be read now leaves the set as it
// was: Create reports it, and it is never overwritten.
func (w *Wallets) refreshLocked() {
	st, err := os.Stat(w.path)
	if err != nil || (w.stamp != nil && sameFile(w.stamp, st)) {
		return
	}
	if keys, stamp, err := load(w.path); err == nil && stamp != nil {
		w.keys, w.stamp = keys, stamp
	}
}

// sameFile says whether two stats are of one unchanged version of the file.
// Every write is a new file renamed into place, so a change of inode, size
// or modification time means another version.
func sameFile(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// Create makes a key under alias (may be empty), adds it to the wallet file
// and returns it.
//
// Other processes may write the file meanwhile (concurrent offline
// createwallet, or one run while the node on the data dir was paused,
// beside the node's own POST /wallets), and a rewrite from a stale copy
// would drop their keys, private keys included. So Create holds the lock
// file wallet.dat.lock across read-modify-write: it reads the file afresh
// under the lock, adds its key to what it read, and writes it back before
// releasing the lock. The set in memory becomes the file's.
func (w *Wallets) Create(alias string) (*Key, error) {
	if alias != "" {
		if !aliasRE.MatchString(alias) {
			return nil, fmt.Errorf("alias %q: use 1-64 letters, digits, '_', '.' or '-'", alias)
		}
		if _, err := DecodeAddress(alias); err == nil {
			return nil, fmt.Errorf("alias %q: looks like an address", alias)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(w.path), 0o700); err != nil {
		return nil, fmt.Errorf("wallet dir: %w", err)
	}
	unlock, err := lockFile(w.path + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	keys, stamp, err := load(w.path)
	if err != nil {
		return nil, err
	}
	w.keys, w.stamp = keys, stamp
	if alias != "" {
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
	next := append(w.keys[:len(w.keys):len(w.keys)], &entry{alias: alias, key: k})
	if err := save(w.path, next); err != nil {
		return nil, err
	}
	w.keys = next
	if st, err := os.Stat(w.path); err == nil {
		w.stamp = st
	}
	return k, nil
}

// save writes keys to path atomically (temp file, fsync, rename, fsync of
// the directory) with mode 0600. The caller holds the lock.
func save(path string, keys []*entry) error {
	f := fileFormat{Version: fileVersion, Keys: make([]fileEntry, len(keys))}
	for i, e := range keys {
		f.Keys[i] = fileEntry{Alias: e.alias, PrivateKey: hex.EncodeToString(e.key.PrivateBytes())}
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write wallet file %s: %w", path, err)
	}
	return nil
}

// writeFileAtomic writes a temp file beside path, syncs it, renames it over
// path and syncs the directory, so a crash leaves the old file or the new
// one, never half, and a key reported created survives a power cut.
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
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	err = dir.Sync()
	if cerr := dir.Close(); err == nil {
		err = cerr
	}
	return err
}

// List gives every wallet in creation order.
func (w *Wallets) List() []Entry {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.refreshLocked()
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
	w.refreshLocked()
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
	w.refreshLocked()
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
