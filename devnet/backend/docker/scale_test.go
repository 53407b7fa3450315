package docker

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestScale starts many fakechaind nodes at once and reports how long the engine
// takes (figures, not assertions on time). Heavy: only with
// DEVCHAIN_DOCKER_SCALE=N (make e2e / make bench).
func TestScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DEVCHAIN_DOCKER_SCALE"))
	if n <= 0 {
		t.Skip("set DEVCHAIN_DOCKER_SCALE=N to start N containers")
	}
	needEngine(t)
	var names []string
	for i := 1; i <= n; i++ {
		names = append(names, fmt.Sprintf("n-%d", i))
	}
	net := testNetwork(t, names...)
	r := upDevnet(t, net)
	ctx := t.Context()

	start := time.Now()
	if _, err := r.Exec(ctx, "n-1", "write", "wallet", "w1"); err != nil {
		t.Fatal(err)
	}
	t.Logf("one offline exec on a fresh node: %v", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(net.Nodes))
	sem := make(chan struct{}, 8)
	for _, node := range net.Nodes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs <- r.Start(ctx, node.Name)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	started := time.Since(start)
	for _, node := range net.Nodes {
		waitHealthy(t, r, node.Name)
	}
	t.Logf("%d containers: started in %v, all answering /healthz after %v", len(net.Nodes), started.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))

	start = time.Now()
	if _, err := r.Exec(ctx, "n-1", "read", "wallet"); err != nil {
		t.Fatal(err)
	}
	t.Logf("one exec in a running node: %v", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	if err := r.Down(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("down: %v", time.Since(start).Round(time.Millisecond))
}
