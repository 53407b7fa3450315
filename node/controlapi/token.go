package controlapi

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CookieFile is the file in a data dir where a running node keeps the
// token of its control API (mode 0600), so the CLI on the same data dir
// can use the routes that change something, as bitcoind's .cookie.
const CookieFile = "rpc.cookie"

// Auth says where a server's token comes from.
type Auth struct {
	// TokenFile (--rpc-token-file) holds the token, as a launcher such as
	// devnet wrote it; "" makes a random token at each start.
	TokenFile string
	// DataDir receives the token in force as CookieFile, replaced at each
	// start and removed on Close; "" writes none.
	DataDir string
}

// token is the token a server started with a gives.
func (a Auth) token() (string, error) {
	if a.TokenFile == "" {
		return NewToken()
	}
	return ReadTokenFile(a.TokenFile)
}

// NewToken is a fresh random token: 32 bytes, in hex.
func NewToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("rpc token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// ReadTokenFile gives the token in path: its content without surrounding
// white space. An empty file is an error: it would guard nothing.
func ReadTokenFile(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("rpc token file: %w", err)
	}
	tok := strings.TrimSpace(string(raw))
	if tok == "" {
		return "", fmt.Errorf("rpc token file %s is empty", path)
	}
	return tok, nil
}

// writeCookie puts token in dataDir's CookieFile, mode 0600, replacing
// the file atomically: a reader sees the old token or the new one.
func writeCookie(dataDir, token string) error {
	path := filepath.Join(dataDir, CookieFile)
	tmp := path + ".tmp"
	// A tmp file left by a crash may have any mode: start afresh.
	_ = os.Remove(tmp)
	if err := os.WriteFile(tmp, []byte(token+"\n"), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// removeCookie removes dataDir's cookie when it still holds token (another
// node may have taken the data dir over meanwhile).
func removeCookie(dataDir, token string) error {
	if got, err := ReadCookie(dataDir); err != nil || got != token {
		return err
	}
	return os.Remove(filepath.Join(dataDir, CookieFile))
}

// ReadCookie gives the token in dataDir's CookieFile, or "" with a nil
// error when there is none.
func ReadCookie(dataDir string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(dataDir, CookieFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", CookieFile, err)
	}
	return strings.TrimSpace(string(raw)), nil
}
