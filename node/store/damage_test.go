package store

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devchain/devchain/internal/testutil"
	"github.com/devchain/devchain/node/chain"
)

// filled is a closed database holding UTXOs, with at least one table on
// disk (badger writes its memtable to a table when it closes).
func filled(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(x *Txn) error {
		for i := range 2000 {
			op := chain.OutPoint{TxID: chain.Hash{byte(i), byte(i >> 8)}, Index: uint32(i)}
			if err := x.AddUTXO(op, chain.TxOut{Value: uint64(i) + 1, PubKeyHash: [20]byte{byte(i)}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if tables(t, dir) == nil {
		t.Fatal("no table was written")
	}
	return dir
}

func tables(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sameFiles fails unless dir holds exactly the files of before, byte for
// byte.
func sameFiles(t *testing.T, dir string, before map[string][]byte) {
	t.Helper()
	after := testutil.Files(t, dir)
	if !slices.Equal(slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after))) {
		t.Errorf("files changed:\nbefore %v\nafter  %v", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
	}
	for name, b := range before {
		if a, ok := after[name]; ok && !bytes.Equal(a, b) {
			t.Errorf("%s changed (%d bytes, now %d)", name, len(b), len(a))
		}
	}
}

func TestMarkerWrittenOnFirstOpen(t *testing.T) {
	dir := filled(t)
	if _, err := os.Stat(filepath.Join(dir, MarkerFile)); err != nil {
		t.Fatal(err)
	}
	// A database from before the marker gets one, and opens as before.
	if err := os.Remove(filepath.Join(dir, MarkerFile)); err != nil {
		t.Fatal(err)
	}
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(filepath.Join(dir, MarkerFile)); err != nil {
		t.Fatal(err)
	}
}

func TestMissingManifestRefused(t *testing.T) {
	for _, marker := range []bool{true, false} {
		t.Run(fmt.Sprintf("marker=%v", marker), func(t *testing.T) {
			dir := filled(t)
			if !marker { // a database from before the marker: its tables say it was initialised
				if err := os.Remove(filepath.Join(dir, MarkerFile)); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Remove(filepath.Join(dir, "MANIFEST")); err != nil {
				t.Fatal(err)
			}
			before := testutil.Files(t, dir)
			db, err := Open(dir)
			if err == nil {
				db.Close()
				t.Fatal("a database without its MANIFEST opened")
			}
			t.Logf("error: %v", err)
			msg := err.Error()
			if !errors.Is(err, ErrDamaged) || !strings.Contains(msg, dir) || !strings.Contains(msg, "MANIFEST is missing") ||
				!strings.Contains(msg, "nothing was deleted") {
				t.Errorf("error does not name the dir, the MANIFEST and that nothing was deleted: %v", err)
			}
			sameFiles(t, dir, before)
		})
	}
}

func TestMissingTableRefused(t *testing.T) {
	dir := filled(t)
	sst := tables(t, dir)[0]
	if err := os.Remove(sst); err != nil {
		t.Fatal(err)
	}
	before := testutil.Files(t, dir)
	db, err := Open(dir)
	if err == nil {
		db.Close()
		t.Fatal("a database without a table opened")
	}
	t.Logf("error: %v", err)
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), filepath.Base(sst)+" is missing") {
		t.Errorf("error does not name the missing table: %v", err)
	}
	sameFiles(t, dir, before)
}

func TestTruncatedTableIsAnError(t *testing.T) {
	for _, size := range []int64{0, 10, 1000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			dir := filled(t)
			sst := tables(t, dir)[0]
			if err := os.Truncate(sst, size); err != nil {
				t.Fatal(err)
			}
			before := testutil.Files(t, dir)
			db, err := Open(dir) // badger itself panics in a goroutine of its own here
			if err == nil {
				db.Close()
				t.Fatal("a database with a truncated table opened")
			}
			t.Logf("error: %v", err)
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), filepath.Base(sst)) {
				t.Errorf("error does not name the table: %v", err)
			}
			sameFiles(t, dir, before)
		})
	}
}

func TestCorruptManifestRefused(t *testing.T) {
	dir := filled(t)
	if err := os.WriteFile(filepath.Join(dir, "MANIFEST"), []byte("not a manifest"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := testutil.Files(t, dir)
	db, err := Open(dir)
	if err == nil {
		db.Close()
		t.Fatal("a database with a corrupt MANIFEST opened")
	}
	t.Logf("error: %v", err)
	if !errors.Is(err, ErrDamaged) {
		t.Errorf("not ErrDamaged: %v", err)
	}
	sameFiles(t, dir, before)
}

// Bytes overwritten inside a table's blocks: badger itself would open the
// database and panic in the first read that meets them.
func TestCorruptTableBlockRefused(t *testing.T) {
	dir := filled(t)
	sst := tables(t, dir)[0]
	f, err := os.OpenFile(sst, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xff}, 2000), 1000); err != nil {
		t.Fatal(err)
	}
	f.Close()
	before := testutil.Files(t, dir)
	db, err := Open(dir)
	if err == nil {
		db.Close()
		t.Fatal("a database with a corrupt table opened")
	}
	t.Logf("error: %v", err)
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), filepath.Base(sst)+" is corrupt") {
		t.Errorf("error does not name the corrupt table: %v", err)
	}
	sameFiles(t, dir, before)
}
