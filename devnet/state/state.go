// Package state owns devnet's folder of devnets (.devnet by default): one
// sub-folder per devnet, holding its record (devnet.json, no secrets: it is
// world-readable), the devnet's secrets in files of their own (its network
// key and control API token, 0600) and whatever its backend keeps there
// (for local processes data dirs and logs).
// The record is what lets a later devnet invocation — status, logs, exec,
// down — find a devnet whatever its backend, also after devnet crashed.
package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devchain/devchain/devnet/spec"
)

// RecordFile is the record's name inside a devnet's folder.
const RecordFile = "devnet.json"

// Record is what devnet keeps about a devnet it started.
type Record struct {
	Name string `json:"name"`
	// Backend is the provider's name (docker, process).
	Backend  string        `json:"runtime"`
	Scenario string        `json:"scenario"`
	Network  *spec.Network `json:"network"`
}

// Store is the folder of devnets; a nil *Store keeps no state at all (tests
// of the runner).
type Store struct {
	Root string
}

// Dir is the folder of the named devnet.
func (s *Store) Dir(name string) string { return filepath.Join(s.Root, name) }

// Write records a devnet, atomically: a crash never leaves half a record.
func (s *Store) Write(rec Record) error {
	if s == nil {
		return nil
	}
	raw, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	dir := s.Dir(rec.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	tmp := filepath.Join(dir, RecordFile+".tmp")
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return fmt.Errorf("devnet %s: record: %w", rec.Name, err)
	}
	return os.Rename(tmp, filepath.Join(dir, RecordFile))
}

// Read reads the named devnet's record.
func (s *Store) Read(name string) (Record, error) {
	var rec Record
	path := filepath.Join(s.Dir(name), RecordFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return rec, fmt.Errorf("devnet %s: no record in %s (not up, or started elsewhere with --state-dir): %w", name, s.Root, err)
	}
	if err != nil {
		return rec, fmt.Errorf("devnet %s: %w", name, err)
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return rec, fmt.Errorf("devnet %s: record %s: %w", name, path, err)
	}
	if rec.Network == nil {
		return rec, fmt.Errorf("devnet %s: record %s holds no network", name, path)
	}
	return rec, nil
}

// Names lists the devnets that have a record, sorted.
func (s *Store) Names() ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(s.Root, "*", RecordFile))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(matches))
	for _, m := range matches {
		names = append(names, filepath.Base(filepath.Dir(m)))
	}
	slices.Sort(names)
	return names, nil
}

// Pick resolves the devnet a command acts on: the one named, else the only
// one recorded.
func (s *Store) Pick(name string) (string, error) {
	if name != "" {
		return name, nil
	}
	names, err := s.Names()
	if err != nil {
		return "", err
	}
	switch len(names) {
	case 0:
		return "", fmt.Errorf("no devnet in %s (start one with `devnet up -f FILE`)", s.Root)
	case 1:
		return names[0], nil
	}
	return "", fmt.Errorf("%d devnets in %s (%s): name one with --name", len(names), s.Root, strings.Join(names, ", "))
}

// Remove deletes the named devnet's folder and record.
func (s *Store) Remove(name string) error {
	if s == nil {
		return nil
	}
	return os.RemoveAll(s.Dir(name))
}
