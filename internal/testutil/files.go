package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// Files is every file of dir with its bytes: tests that damage or refuse a
// data dir compare it before and after to show nothing was changed.
func Files(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]byte)
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}
