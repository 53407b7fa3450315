package controlapi

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// AddrFile is the file in a data dir where a running node writes its
// control API address, so the CLI finds it.
const AddrFile = "rpc.addr"

// WriteAddrFile records addr in dataDir (atomically: readers never see a
// partial file).
func WriteAddrFile(dataDir, addr string) error { return writeLine(dataDir, AddrFile, addr, 0o644) }

// RemoveAddrFile removes the file when it still names addr (another node
// may have taken the data dir over meanwhile).
func RemoveAddrFile(dataDir, addr string) error { return removeLine(dataDir, AddrFile, addr) }

// ReadAddrFile gives the address in dataDir's rpc.addr, or "" with a nil
// error when there is none.
func ReadAddrFile(dataDir string) (string, error) { return readLine(dataDir, AddrFile) }

// writeLine puts line in dataDir's file name with mode, replacing the file
// atomically: a reader sees the old line or the new one, never a part.
func writeLine(dataDir, name, line string, mode os.FileMode) error {
	path := filepath.Join(dataDir, name)
	tmp := path + ".tmp"
	// A tmp file left by a crash may have any mode: start afresh.
	_ = os.Remove(tmp)
	if err := os.WriteFile(tmp, []byte(line+"\n"), mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// removeLine removes dataDir's file name when it still holds line (another
// node may have taken the data dir over meanwhile).
func removeLine(dataDir, name, line string) error {
	if got, err := readLine(dataDir, name); err != nil || got != line {
		return err
	}
	return os.Remove(filepath.Join(dataDir, name))
}

// readLine gives the line in dataDir's file name, or "" with a nil error
// when there is none.
func readLine(dataDir, name string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(dataDir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", name, err)
	}
	return strings.TrimSpace(string(raw)), nil
}

// RunningNode gives the control API address of the node running on
// dataDir, or "" when none answers (a stale file left by a crash is
// ignored).
func RunningNode(dataDir string) string {
	addr, err := ReadAddrFile(dataDir)
	if err != nil || addr == "" || !Probe(addr) {
		return ""
	}
	return addr
}

// RSSBytes is the process's resident set size from /proc/self/status
// (0 where it cannot be read).
func RSSBytes() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(rest)
			if len(fields) == 0 {
				return 0
			}
			kb, err := strconv.ParseUint(fields[0], 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}
