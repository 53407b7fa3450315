package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"
)

// ErrDamaged is wrapped by Open when the database directory was initialised
// but has lost files badger needs (its MANIFEST, a table) or holds a table
// badger cannot read. Nothing in the directory has been changed.
var ErrDamaged = errors.New("database is damaged")

// MarkerFile is written into the database directory once badger has first
// opened it. Its presence says the directory holds a database, so a missing
// MANIFEST is damage, not a new database: badger v4 would create an empty
// MANIFEST and then delete every table it does not list, that is all of
// them, and the node would start again from height 0.
const MarkerFile = "DEVCHAIN"

const markerText = "devchain chain database (badger v4). chaind refuses to open this directory\n" +
	"if its MANIFEST or a table it lists is missing, instead of starting an empty chain.\n"

// check looks at the directory before badger touches it and refuses a
// database that badger would silently empty or panic on. It only reads.
func check(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("chain database %s: %w", dir, err)
	}
	names := make(map[string]bool, len(ents))
	var data []string // files that only exist once badger has written data
	for _, e := range ents {
		names[e.Name()] = true
		switch filepath.Ext(e.Name()) {
		case ".sst", ".vlog", ".mem":
			data = append(data, e.Name())
		}
	}
	if !names[badger.ManifestFilename] {
		if !names[MarkerFile] && len(data) == 0 {
			return nil // a new database
		}
		why := "its " + MarkerFile + " marker says it was initialised"
		if !names[MarkerFile] {
			why = "it holds data files"
		}
		return damaged(dir, fmt.Sprintf("%s is missing, though %s (%s)", badger.ManifestFilename, why, list(data)))
	}
	mf, err := readManifest(filepath.Join(dir, badger.ManifestFilename))
	if err != nil {
		return damaged(dir, fmt.Sprintf("%s cannot be read: %s", badger.ManifestFilename, oneLine(err)))
	}
	var missing []string
	ids := make([]uint64, 0, len(mf.Tables))
	for id := range mf.Tables {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		if name := filepath.Base(table.NewFilename(id, dir)); !names[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		it := "it"
		if len(missing) > 1 {
			it = "them"
		}
		return damaged(dir, fmt.Sprintf("%s missing, though %s lists %s", plural(missing, "is", "are"), badger.ManifestFilename, it))
	}
	for _, id := range ids {
		if err := checkTable(table.NewFilename(id, dir), mf.Tables[id]); err != nil {
			return damaged(dir, err.Error())
		}
	}
	return nil
}

// oneLine is a panic value or error on one line (badger's span several).
func oneLine(r any) string { return strings.Join(strings.Fields(fmt.Sprint(r)), " ") }

func damaged(dir, what string) error {
	return fmt.Errorf("chain database %s: %w: %s; refusing to open it, nothing was deleted or changed", dir, ErrDamaged, what)
}

func list(names []string) string {
	if len(names) == 0 {
		return "no data files remain"
	}
	const show = 5
	if len(names) > show {
		return fmt.Sprintf("%s and %d more remain", strings.Join(names[:show], ", "), len(names)-show)
	}
	return strings.Join(names, ", ") + " remain"
}

func plural(names []string, one, many string) string {
	if len(names) == 1 {
		return names[0] + " " + one
	}
	return strings.Join(names, ", ") + " " + many
}

// readManifest replays the MANIFEST as badger would, from a read-only file
// (badger's own open may truncate a torn tail; this does not).
func readManifest(path string) (m badger.Manifest, err error) {
	f, err := os.Open(path)
	if err != nil {
		return m, err
	}
	defer f.Close()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("badger panicked: %s", oneLine(r))
		}
	}()
	m, _, err = badger.ReplayManifestFile(f, 0, Options(filepath.Dir(path)))
	return m, err
}

// checkTable opens one table read-only the way badger opens it at start,
// and checks its blocks' checksums, in this goroutine: badger opens tables in goroutines of its own, where a
// panic on a truncated file (it reads the index at an offset taken from the
// file's tail) kills the process and no caller can recover it.
func checkTable(path string, tm badger.TableManifest) (err error) {
	name := filepath.Base(path)
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("table %s cannot be opened: %s", name, oneLine(err))
	}
	defer mf.Close(-1) // -1: no truncation
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("table %s is unreadable (truncated or corrupt?): badger panicked: %s", name, oneLine(r))
		}
	}()
	opt := Options(filepath.Dir(path))
	t, err := table.OpenTable(mf, table.Options{
		BlockSize:          opt.BlockSize,
		BloomFalsePositive: opt.BloomFalsePositive,
		ChkMode:            options.NoVerification,
		Compression:        tm.Compression,
	})
	if err != nil {
		return fmt.Errorf("table %s is unreadable: %s", name, oneLine(err))
	}
	// Badger checks no block checksum when it opens a table and panics
	// later, in whichever read meets a corrupt block (a balance, a block
	// lookup): check them all now. The tables hold keys, UTXOs and value
	// pointers, not blocks, so this reads little.
	if err := t.VerifyChecksum(); err != nil {
		return fmt.Errorf("table %s is corrupt: %s", name, oneLine(err))
	}
	return nil
}

// writeMarker records that the directory holds a database, once badger has
// opened it (and so written its MANIFEST).
func writeMarker(dir string) error {
	path := filepath.Join(dir, MarkerFile)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(markerText); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
