// Package fanout runs one function over many items concurrently, with a bound.
package fanout

import (
	"errors"
	"sync"
)

// Each calls fn for every item, at most limit calls at a time (no bound when
// limit ≤ 0), waits for all of them, and returns their errors joined in the
// order of items. Unlike errgroup it does not stop at the first error: a
// teardown or a status poll must reach every node.
func Each[T any](items []T, limit int, fn func(T) error) error {
	if limit <= 0 {
		limit = len(items)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(limit, 1))
	errs := make([]error, len(items))
	for i, item := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = fn(item)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
