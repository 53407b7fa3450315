package backend

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/devchain/devchain/node/controlapi"
)

// TokenFile is the file in a devnet's state dir holding the token of its
// nodes' control APIs. The backend that runs the nodes hands it to each
// (spec.Placement.RPCTokenFile) and is the one that knows it afterwards
// (Tokener): every client devnet builds gets it from there, through Client.
const TokenFile = "rpc.token"

// Tokener is implemented by backends whose nodes were handed the devnet's
// token: the routes of their control API that change something need it.
type Tokener interface {
	RPCToken() string
}

// Client is the control API client of node name of be, at its Endpoint,
// with the devnet's token when be has one.
func Client(be Backend, name string) (*controlapi.Client, error) {
	base, err := be.Endpoint(name)
	if err != nil {
		return nil, err
	}
	c := controlapi.NewClient(base)
	if t, ok := be.(Tokener); ok {
		c = c.WithToken(t.RPCToken())
	}
	return c, nil
}

// MakeToken gives the devnet's token in stateDir, creating the file (a
// random token, mode 0600) when there is none: a devnet set up again
// keeps the token its running nodes hold.
func MakeToken(stateDir string) (string, error) {
	tok, err := readOrCreate(filepath.Join(stateDir, TokenFile), controlapi.ReadTokenFile, func() ([]byte, error) {
		tok, err := controlapi.NewToken()
		return []byte(tok + "\n"), err
	})
	if err != nil {
		return "", fmt.Errorf("devnet token: %w", err)
	}
	return tok, nil
}

// ReadToken gives the devnet's token in stateDir, or "" with a nil error
// when there is none (a devnet set up before devnets had one).
func ReadToken(stateDir string) (string, error) {
	path := filepath.Join(stateDir, TokenFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return controlapi.ReadTokenFile(path)
}

// DevnetToken is the token a container backend hands its nodes, loaded on
// first use and kept: the devnet's in StateDir (MakeToken), or without a
// state dir a fresh one, for the backend's life. It is safe for
// concurrent use.
type DevnetToken struct {
	StateDir string

	mu    sync.Mutex
	token string
}

// Get gives the token, loading or making it the first time.
func (t *DevnetToken) Get() (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token != "" {
		return t.token, nil
	}
	var err error
	if t.StateDir == "" {
		t.token, err = controlapi.NewToken()
	} else {
		t.token, err = MakeToken(t.StateDir)
	}
	return t.token, err
}

// OrWarn is Get for Tokener.RPCToken, which has no error to return: a
// token that cannot be had is logged, and "" given.
func (t *DevnetToken) OrWarn(log *slog.Logger) string {
	tok, err := t.Get()
	if err != nil {
		log.Warn("no rpc token", "err", err)
	}
	return tok
}
