package cli

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/internal/testutil"
)

// Every command that opens the chain refuses a damaged database with an
// error, in-process: a panic in one of badger's goroutines would end this
// test binary, and a database opened anyway would have lost its blocks.
func TestDamagedChainCommands(t *testing.T) {
	env := map[string]string{"CHAIND_DIFFICULTY": "8"}
	src := filepath.Join(t.TempDir(), "node")
	mustRun(t, env, "createwallet", "-alias", "w1", "-datadir", src)
	mustRun(t, env, "createwallet", "-alias", "w2", "-datadir", src)
	mustRun(t, env, "mint", "-minter", "w1", "-blocks", "300", "-datadir", src)

	damages := map[string]func(t *testing.T, chainDir string){
		"manifest deleted": func(t *testing.T, chainDir string) {
			if err := os.Remove(filepath.Join(chainDir, "MANIFEST")); err != nil {
				t.Fatal(err)
			}
		},
		"sst truncated": func(t *testing.T, chainDir string) {
			ssts, _ := filepath.Glob(filepath.Join(chainDir, "*.sst"))
			if len(ssts) == 0 {
				t.Fatal("no table to truncate")
			}
			if err := os.Truncate(ssts[0], 1000); err != nil {
				t.Fatal(err)
			}
		},
	}
	commands := [][]string{
		{"printchain"},
		{"getbalance", "-address", "w1"},
		{"mint", "-minter", "w1", "-blocks", "1"},
		{"send", "-from", "w1", "-to", "w2", "-amount", "1", "-mint"},
		{"reindexutxo"},
		{"startp2p", "-rendezvous", "damage-test", "--listen-host", "127.0.0.1", "-port", "0"},
	}
	for name, damage := range damages {
		t.Run(strings.ReplaceAll(name, " ", "-"), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "node")
			if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
				t.Fatal(err)
			}
			chainDir := filepath.Join(dir, "chain")
			damage(t, chainDir)
			before := testutil.Files(t, chainDir)
			for _, args := range commands {
				start := time.Now()
				_, err := run(t, env, append(args, "--datadir", dir)...)
				if err == nil {
					t.Fatalf("chaind %s on a damaged chain succeeded", args[0])
				}
				t.Logf("chaind %s (%v): %v", args[0], time.Since(start).Round(time.Millisecond), err)
				if msg := err.Error(); !strings.Contains(msg, "database is damaged") || !strings.Contains(msg, chainDir) ||
					!strings.Contains(msg, "nothing was deleted") {
					t.Errorf("chaind %s: the error does not name the damaged dir: %v", args[0], err)
				}
				after := testutil.Files(t, chainDir)
				if !slices.Equal(slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after))) {
					t.Fatalf("chaind %s changed the files: before %v, after %v", args[0], slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
				}
				for f, b := range before {
					if !bytes.Equal(b, after[f]) {
						t.Fatalf("chaind %s changed %s", args[0], f)
					}
				}
			}
		})
	}
}
