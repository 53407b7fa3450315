package controlapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
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
	// Hosts are the names the server answers to besides IP addresses and
	// localhost (--rpc-allow-host): see hostAllowed.
	Hosts []string
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

// writeCookie puts token in dataDir's CookieFile, mode 0600.
func writeCookie(dataDir, token string) error { return writeLine(dataDir, CookieFile, token, 0o600) }

// removeCookie removes dataDir's cookie when it still holds token.
func removeCookie(dataDir, token string) error { return removeLine(dataDir, CookieFile, token) }

// ReadCookie gives the token in dataDir's CookieFile, or "" with a nil
// error when there is none.
func ReadCookie(dataDir string) (string, error) { return readLine(dataDir, CookieFile) }
