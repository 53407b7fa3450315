package backend

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// readOrCreate gives what read makes of the file at path, first creating
// the file (mode 0600, its folder too) with fresh's content when there is
// none. The devnet's secrets (its control API token, its network key) are
// made this way: once, and then kept, because running nodes hold them.
//
// The file is written aside and linked in, so two devnet invocations at
// once end with one file, which both read, and a reader never sees a
// partial file; os.Link, unlike a rename, fails on a file that exists.
func readOrCreate[T any](path string, read func(path string) (T, error), fresh func() ([]byte, error)) (T, error) {
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return read(path)
	}
	var zero T
	data, err := fresh()
	if err != nil {
		return zero, err
	}
	dir, name := filepath.Dir(path), filepath.Base(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return zero, err
	}
	tmp, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		return zero, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return zero, err
	}
	return read(path)
}
