package fanout

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
)

func TestEachBoundsConcurrencyAndJoinsErrorsInOrder(t *testing.T) {
	items := make([]int, 40)
	for i := range items {
		items[i] = i
	}
	var running, peak atomic.Int32
	release := make(chan struct{})
	go func() {
		// Let the first wave pile up against the bound before anyone finishes.
		for running.Load() < 3 {
			runtime.Gosched()
		}
		close(release)
	}()
	err := Each(items, 3, func(i int) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		if i%10 == 0 {
			return fmt.Errorf("item %d", i)
		}
		return nil
	})
	if p := peak.Load(); p != 3 {
		t.Errorf("peak concurrency %d, want 3", p)
	}
	want := "item 0\nitem 10\nitem 20\nitem 30"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestEachRunsEveryItemDespiteErrors(t *testing.T) {
	var calls atomic.Int32
	boom := errors.New("boom")
	err := Each([]string{"a", "b", "c"}, 0, func(string) error { calls.Add(1); return boom })
	if calls.Load() != 3 || !errors.Is(err, boom) {
		t.Errorf("calls %d, err %v", calls.Load(), err)
	}
	if err := Each[int](nil, 4, func(int) error { return boom }); err != nil {
		t.Errorf("no items: %v", err)
	}
}
