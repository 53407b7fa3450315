package cli

import (
	"encoding/json"

	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkProcessUp measures `devnet up` on the process runtime until every
// node answers and is peered, for 10, 50 and 100 chain nodes, and reports
// the largest RSS of a node right after.
// Run: go test -run '^$' -bench ProcessUp -benchtime 1x ./devnet/cli
func BenchmarkProcessUp(b *testing.B) {
	for _, nodes := range []int{10, 50, 100} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			f := filepath.Join(b.TempDir(), "up.yaml")
			body := fmt.Sprintf("name: bench%d\nnodes:\n  - name: miner\n    minter: w1\n  - name: peer\n    count: %d\n", nodes, nodes-1)
			if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
				b.Fatal(err)
			}
			state := b.TempDir()
			var total time.Duration
			for b.Loop() {
				start := time.Now()
				out, err := runDevnet(b, state, "up", "-f", f, "--runtime", "process", "--chaind", realChaind)
				total += time.Since(start)
				if err != nil {
					b.Fatalf("up: %v\n%s", err, out)
				}
				b.StopTimer()
				b.ReportMetric(largestRSS(b, state)/1e6, "MB-max-rss")
				if out, err := runDevnet(b, state, "down", "--all"); err != nil {
					b.Fatalf("down: %v\n%s", err, out)
				}
				b.StartTimer()
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s/up")
		})
	}
}

// BenchmarkScaleScenario runs configs/scale.yaml (50 chain nodes) end to end.
func BenchmarkScaleScenario(b *testing.B) {
	state := b.TempDir()
	for b.Loop() {
		start := time.Now()
		out, err := runDevnet(b, state, "run", "-f", "../../configs/scale.yaml", "--runtime", "process",
			"--chaind", realChaind, "--artifacts", filepath.Join(b.TempDir(), "art"))
		if err != nil {
			b.Fatalf("scale run: %v\n%s", err, out)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/run")
	}
}

// largestRSS is the largest rss_bytes `devnet status` reports.
func largestRSS(b *testing.B, state string) float64 {
	out, err := runDevnet(b, state, "status", "--output", "json")
	if err != nil {
		b.Fatalf("status: %v\n%s", err, out)
	}
	var infos []NodeInfo
	if err := json.Unmarshal([]byte(out), &infos); err != nil {
		b.Fatalf("status: %v", err)
	}
	var largest uint64
	for _, n := range infos {
		largest = max(largest, n.RSSBytes)
	}
	return float64(largest)
}
