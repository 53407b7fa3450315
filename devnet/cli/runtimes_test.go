package cli

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/backends"
)

// onEveryRuntime runs f as a subtest for each runtime available here, with
// a devnet name (prefix-<runtime>-<random>: docker objects are named after
// it, and a run interrupted earlier may have left some) and a state dir of
// its own; the devnet is removed when the subtest ends.
func onEveryRuntime(t *testing.T, prefix string, f func(t *testing.T, runtime, name, state string)) {
	for _, p := range backends.All() {
		t.Run(p.Name, func(t *testing.T) {
			if err := p.Available(t.Context()); err != nil {
				t.Skipf("%s runtime not available here: %v", p.Name, err)
			}
			name, state := prefix+"-"+p.Name+"-"+strings.ToLower(rand.Text()[:6]), t.TempDir()
			// Removed through the backend itself: the CLI under test believes
			// no engine answers (TestMain), so its down would leave it.
			t.Cleanup(func() {
				be, err := p.New(backend.Options{StateDir: filepath.Join(state, name)})
				if err == nil {
					defer be.Close()
					if rm, ok := be.(backend.Remover); ok {
						err = rm.Remove(context.Background(), name)
					} else {
						err = be.Down(context.Background())
					}
				}
				if err != nil {
					t.Errorf("removing devnet %s: %v", name, err)
				}
			})
			f(t, p.Name, name, state)
		})
	}
}
