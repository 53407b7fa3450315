package backend

import (
	"fmt"
	"os"
	"path/filepath"
)

// HelperBinary is the static binary a backend builds a helper image from:
// path when given, else name next to the running executable, where `make
// image` puts bin/devnet-netcut and bin/devnet-agent beside bin/devnet.
func HelperBinary(path, name string) (string, error) {
	if path != "" {
		return path, nil
	}
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return filepath.Join(filepath.Dir(self), name), nil
}
