package scenario

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes: it must never panic, every error
// must name the file, and whatever it accepts must be within the limits.
// Time and memory per input are bounded by those limits (a slow input
// shows up as a stalled fuzzer).
func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	files, _ := filepath.Glob("../../configs/*.yaml")
	for _, file := range files {
		if raw, err := os.ReadFile(file); err == nil {
			f.Add(raw)
		}
	}
	f.Add([]byte(aliasBomb(30, 30)))
	f.Add([]byte("nodes: [{name: a}]\n---\nnodes: [{name: b}]\n"))
	f.Add([]byte("nodes:\n  - {name: p, count: 3, minter: w, mine_interval: 1s}\nsteps:\n  - mint: {node: p-1, minter: w, blocks: 2}\n  - sleep: 1s\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "f.yaml:") && !strings.HasPrefix(line, "… and ") {
					t.Fatalf("error line %q does not name the file", line)
				}
			}
			return
		}
		if n := len(c.ChainNodes()); n < 1 || n > MaxChainNodes {
			t.Fatalf("accepted %d chain nodes", n)
		}
		if len(c.Steps) > MaxSteps {
			t.Fatalf("accepted %d steps", len(c.Steps))
		}
		for _, n := range c.Nodes {
			if d := n.MineInterval.D(); d != 0 && (d < MinMineInterval || d > MaxDuration) {
				t.Fatalf("accepted mine_interval %v", d)
			}
		}
		for _, s := range c.Steps {
			if s.Within() > MaxDuration {
				t.Fatalf("accepted within %v", s.Within())
			}
			switch a := s.Action.(type) {
			case *Sleep:
				if a.For.D() > MaxDuration {
					t.Fatalf("accepted sleep %v", a.For)
				}
			case *Mint:
				if a.Blocks > MaxMintBlocks {
					t.Fatalf("accepted mint of %d blocks", a.Blocks)
				}
			}
		}
	})
}

// aliasBomb is a few hundred KB of YAML that expands to sets × items
// node names: every partition set is an alias of one list.
func aliasBomb(sets, items int) string {
	var b strings.Builder
	b.WriteString("nodes: [{name: a}]\nsteps:\n  - partition: {s0: &x [")
	b.WriteString(strings.TrimSuffix(strings.Repeat("a, ", items), ", "))
	b.WriteString("]")
	for i := 1; i < sets; i++ {
		fmt.Fprintf(&b, ", s%d: *x", i)
	}
	b.WriteString("}\n")
	return b.String()
}
