// Package store keeps the chain in badger v4: blocks by hash, the block
// index, the main chain's height index, the tip, the UTXO set with an
// address index, undo data and the network the data dir belongs to. It has
// no rules: package blockchain decides what to write, and writes each block
// connect or disconnect in one Update so a crash leaves either all of it or
// none.
package store

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"syscall"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// ErrLocked is returned by Open when another process (a running node) holds
// the database.
var ErrLocked = errors.New("database is in use by another process")

// ErrNotFound is wrapped when a key is absent.
var ErrNotFound = errors.New("not found")

// DB is an open chain database.
type DB struct {
	db  *badger.DB
	dir string
}

// Options gives badger options sized for a small node: two 4 MiB memtables,
// 16 MiB value-log files, an 8 MiB block cache and a 4 MiB index cache, so an
// idle node stays far below 40 MB RSS. Values above 64 bytes (blocks, undo
// records) go to the value log, so the LSM tree holds keys, UTXOs and value
// pointers and flushes less often.
func Options(dir string) badger.Options {
	return badger.DefaultOptions(dir).
		WithMemTableSize(4 << 20).
		WithNumMemtables(2).
		WithValueLogFileSize(16 << 20).
		WithBlockCacheSize(8 << 20).
		WithIndexCacheSize(4 << 20).
		WithValueThreshold(64).
		WithBaseTableSize(2 << 20).
		WithBaseLevelSize(10 << 20).
		WithNumLevelZeroTables(3).
		WithNumLevelZeroTablesStall(8).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithDetectConflicts(false). // writes are serialised by package blockchain
		WithMetricsEnabled(false).
		WithCompression(options.None). // hashes and keys do not compress; save the CPU
		WithLogger(slogLogger{})
}

// Open opens or creates the database in dir. If a running node holds it,
// Open fails at once with an error wrapping ErrLocked (badger takes a
// non-blocking lock on the directory, so nothing waits). A directory that
// was initialised but has lost its MANIFEST or a table, or holds a table
// badger cannot read, is refused with an error wrapping ErrDamaged before
// badger touches it, so nothing is deleted; a panic in badger's open becomes
// an error.
func Open(dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("chain database %s: %w", dir, err)
	}
	release, err := holdLock(dir)
	if err != nil {
		return nil, fmt.Errorf("chain database %s: %w", dir, err)
	}
	err = check(dir)
	release()
	if err != nil {
		return nil, err
	}
	db, err := openBadger(dir)
	if err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) || strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, fmt.Errorf("chain database %s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("open chain database %s: %w", dir, err)
	}
	if err := writeMarker(dir); err != nil {
		db.Close()
		return nil, fmt.Errorf("chain database %s: write %s: %w", dir, MarkerFile, err)
	}
	return &DB{db: db, dir: dir}, nil
}

// openBadger is badger.Open with its panics (corrupt files it reads in the
// calling goroutine) turned into errors.
func openBadger(dir string) (db *badger.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("%w: badger panicked while opening: %s", ErrDamaged, oneLine(r))
		}
	}()
	return badger.Open(Options(dir))
}

// Dir is the database directory.
func (d *DB) Dir() string { return d.dir }

// Close flushes and closes the database.
func (d *DB) Close() error { return d.db.Close() }

// View runs fn in a read-only transaction.
func (d *DB) View(fn func(*Txn) error) error {
	return d.db.View(func(t *badger.Txn) error { return fn(&Txn{t: t}) })
}

// Update runs fn in one read-write transaction and commits it atomically.
func (d *DB) Update(fn func(*Txn) error) error {
	return d.db.Update(func(t *badger.Txn) error { return fn(&Txn{t: t}) })
}

// Batch applies many writes fast, not atomically as a whole (reindex
// protects itself with a marker). fn is called with a writer whose Set and
// Delete buffer into batches.
func (d *DB) Batch(fn func(*Writer) error) error {
	wb := d.db.NewWriteBatch()
	defer wb.Cancel()
	if err := fn(&Writer{wb: wb}); err != nil {
		return err
	}
	return wb.Flush()
}

// slogLogger routes badger's warnings and errors to slog and drops its
// info and debug chatter.
type slogLogger struct{}

func (slogLogger) Errorf(f string, a ...any) {
	slog.Error(strings.TrimSpace(fmt.Sprintf(f, a...)), "component", "badger")
}
func (slogLogger) Warningf(f string, a ...any) {
	slog.Warn(strings.TrimSpace(fmt.Sprintf(f, a...)), "component", "badger")
}
func (slogLogger) Infof(string, ...any)  {}
func (slogLogger) Debugf(string, ...any) {}
