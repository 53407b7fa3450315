package backend

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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

// DevnetToken is what a container backend hands its nodes: the devnet's
// token in stateDir (MakeToken), or without a state dir a fresh one, which
// lives as long as the caller keeps it.
func DevnetToken(stateDir string) (string, error) {
	if stateDir == "" {
		return controlapi.NewToken()
	}
	return MakeToken(stateDir)
}
