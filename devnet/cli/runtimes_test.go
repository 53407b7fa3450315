package cli

import (
	"crypto/rand"
	"strings"

	"testing"

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
			t.Cleanup(func() { _, _ = runDevnet(t, state, "down", name) })
			f(t, p.Name, name, state)
		})
	}
}
