//go:build unix

package scenario

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Hostile inputs must be refused before anything starts, quickly and
// without memory growing with what they ask for.
const (
	hostileTime  = time.Second
	hostileAlloc = 100 << 20
	// yaml.v3 builds its whole node tree before the decoder can count
	// anything, about 300 bytes a value: a file at MaxFileSize made of
	// one-character values (half a million) is the most parsing can cost.
	// Bounded by the file size, not by what the file asks for.
	denseTime  = 5 * time.Second
	denseAlloc = 200 << 20
)

// refusedQuickly runs load, which must fail with an error containing want,
// and checks the time and memory it took.
func refusedQuickly(t *testing.T, want string, load func() error) {
	t.Helper()
	refusedWithin(t, want, hostileTime, hostileAlloc, load)
}

func refusedWithin(t *testing.T, want string, maxTime time.Duration, maxAlloc uint64, load func() error) {
	t.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0, start := cpuTime(t), time.Now()
	err := load()
	wall, took := time.Since(start), cpuTime(t)-cpu0
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("refused in %v CPU (%v wall), %.1f MB allocated", took, wall, float64(alloc)/(1<<20))
	if err == nil {
		t.Fatalf("accepted; want an error containing %q", want)
	}
	if msg := err.Error(); !strings.Contains(msg, want) {
		if len(msg) > 500 {
			msg = msg[:500] + "…"
		}
		t.Fatalf("error %q\nwant it to contain %q", msg, want)
	}
	if took > maxTime {
		t.Errorf("took %v of CPU, want under %v", took, maxTime)
	}
	if alloc > maxAlloc {
		t.Errorf("allocated %d MB, want under %d MB", alloc>>20, maxAlloc>>20)
	}
}

// cpuTime is the CPU the test process has used, user and system. Time is
// judged on it rather than the wall clock: tests run one at a time here,
// and on a loaded host the wall clock measures the host, not the input.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func steps(n int, step string) string {
	return "nodes: [{name: a, minter: w}]\nsteps:\n" + strings.Repeat("  - "+step+"\n", n)
}

func TestHostileScenarios(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"alias bomb 20000 x 20000", aliasBomb(20_000, 20_000), "f.yaml:3: more than 100000 YAML values with aliases expanded"},
		{"alias bomb through wallets", "nodes:\n  - {name: a, wallets: &w [" + strings.Repeat("w, ", 1000) + "]}\n" + strings.Repeat("  - {name: b, wallets: *w}\n", 1000),
			"f.yaml:2: more than 100000 YAML values"},
		{"count 10000", "nodes:\n  - name: p\n    count: 10000\n", "f.yaml:2: nodes[0] \"p\": brings the devnet above 500 chain nodes"},
		{"count near max int", "nodes:\n  - name: p\n    count: 9223372036854775807\n", "f.yaml:2: nodes[0] \"p\": brings the devnet above 500"},
		{"groups adding up", "nodes:\n  - {name: p, count: 300}\n  - {name: q, count: 200}\n  - {name: r}\n  - {name: s, count: 5}\n",
			"f.yaml:4: nodes[2] \"r\": brings the devnet above 500"},
		{"sleep 100000h", "nodes: [{name: a}]\nsteps:\n  - sleep: 100000h\n", "f.yaml:3: steps[0].sleep: duration \"100000h\" above 24h0m0s"},
		{"within 25h", "nodes: [{name: a}]\nsteps:\n  - height: {node: a, min: 1,\n      within: 25h}\n", "f.yaml:4: steps[0].height.within: duration \"25h\" above 24h"},
		{"mine_interval 1ns", "nodes:\n  - name: a\n    minter: w\n    mine_interval: 1ns\n", "f.yaml:2: nodes[0] \"a\": mine_interval 1ns below 100ms"},
		{"mine_interval 100000h", "nodes:\n  - name: a\n    minter: w\n    mine_interval: 100000h\n", "f.yaml:4: nodes[0].mine_interval: duration \"100000h\" above 24h"},
		{"blocks 100000000", "nodes: [{name: a}]\nsteps:\n  - mint: {node: a, minter: w, blocks: 100000000}\n", "f.yaml:3: step \"mint\": blocks 100000000: want 1 to 10000"},
		{"second document", "nodes: [{name: a}]\n---\nnodes: [{name: b}]\n", "f.yaml:2: a second YAML document"},
		{"second document broken", "nodes: [{name: a}]\n---\nnodes: [\n", "f.yaml:"},
		{"10001 steps", steps(MaxSteps+1, "heal:"), fmt.Sprintf("f.yaml:%d: steps: 10001 steps, more than the 10000", MaxSteps+3)},
		{"file above 1 MiB", "nodes: [{name: a}]\n" + strings.Repeat("# padding padding padding padding\n", MaxFileSize/34+1),
			fmt.Sprintf("f.yaml:%d: scenario above 1048576 bytes", (MaxFileSize-19)/34+2)},
		{"a million errors", steps(MaxSteps, "partition: {x: all, y: all}"), "… and "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			refusedQuickly(t, tc.want, func() error {
				_, err := Parse("f.yaml", []byte(tc.yaml))
				return err
			})
		})
	}
}

// The densest file the size limit lets through: its cost is yaml.v3's parse.
func TestDenseFile(t *testing.T) {
	src := "nodes:\n  - name: a\n    wallets: [" + strings.Repeat("w,", MaxFileSize/2-20) + "w]\n"
	refusedWithin(t, "f.yaml:3: more than 100000 YAML values", denseTime, denseAlloc, func() error {
		_, err := Parse("f.yaml", []byte(src))
		return err
	})
}

// Load never reads more of a file than the limit, however large it is.
func TestLoadRefusesLargeFileUnread(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: 1 GiB that costs no disk, only a read would cost memory.
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	refusedQuickly(t, path+":1: scenario above 1048576 bytes", func() error {
		_, err := Load(path)
		return err
	})
}

// The limits themselves are allowed: a scenario at every bound loads.
func TestLimitsAreInclusive(t *testing.T) {
	src := fmt.Sprintf("nodes:\n  - {name: p, count: %d}\n  - {name: m, minter: w, mine_interval: 100ms}\nsteps:\n", MaxChainNodes-1) +
		"  - mint: {node: m, minter: w, blocks: 10000}\n  - sleep: 24h\n" +
		strings.Repeat("  - partition: {x: p, y: m}\n", MaxSteps-2)
	start := time.Now()
	c, err := Parse("f.yaml", []byte(src))
	t.Logf("%d nodes, %d steps in %v", len(c.ChainNodes()), len(c.Steps), time.Since(start))
	if err != nil {
		t.Fatal(err)
	}
}
