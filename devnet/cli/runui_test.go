package cli

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/devnet/liveview"
)

// `devnet run --ui ADDR` serves the live view while the run lasts: its
// snapshots list the devnet's nodes and its timeline the steps as they
// start, and the page is gone once the run ended.
func TestRunServesLiveView(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	f := writeScenario(t, "name: runui\nnodes:\n  - name: a\n  - name: b\nsteps:\n  - sleep: 4s\n  - peers: {node: all, min: 0}\n")
	done := make(chan error, 1)
	go func() {
		out, err := runDevnet(t, t.TempDir(), "run", "-f", f, "--runtime", "process", "--chaind", fakeChaind,
			"--ui", addr, "--no-report", "--artifacts", filepath.Join(t.TempDir(), "art"))
		if err == nil && !strings.Contains(out, "live view of the run at http://"+addr) {
			t.Errorf("the run did not print the page's address:\n%s", out)
		}
		done <- err
	}()

	var resp *http.Response
	deadline := time.Now().Add(30 * time.Second)
	for resp == nil && time.Now().Before(deadline) {
		if resp, err = http.Get("http://" + addr + "/api/events"); err != nil {
			resp = nil
			time.Sleep(50 * time.Millisecond) // the run's devnet is still coming up
		}
	}
	if resp == nil {
		t.Fatalf("no live view at %s: %v", addr, err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	seen := false
	for !seen && sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var snap liveview.Snapshot
		if err := json.Unmarshal([]byte(data), &snap); err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		for _, e := range snap.Events {
			if e.Kind == "step" && strings.HasPrefix(e.Text, "step 1/2: sleep 4s") && len(snap.Nodes) == 3 && len(snap.Actions) == 0 {
				seen = true
			}
		}
	}
	if !seen {
		t.Fatalf("no snapshot with the 3 nodes and step 1 in the timeline (read-only): %v", sc.Err())
	}
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if _, err := http.Get("http://" + addr + "/"); err == nil {
		t.Error("the live view outlived its run")
	}
}
