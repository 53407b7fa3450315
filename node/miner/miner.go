// Package miner builds block templates on a chain's tip and solves their
// proof of work.
package miner

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
)

// parallelBits is the difficulty from which solving uses every core; below
// it a block takes so few hashes that goroutines cost more than they save.
const parallelBits = 14

// Mine builds a template on c's current tip (coinbase to payTo plus those of
// txs that are valid), solves it and returns the block. The caller passes it
// to c.ProcessBlock (or to p2p, which relays it). It stops with
// ctx.Err() when ctx ends first.
func Mine(ctx context.Context, c *blockchain.Chain, payTo [20]byte, txs []*chain.Tx) (*chain.Block, error) {
	b, err := c.Template(payTo, txs)
	if err != nil {
		return nil, fmt.Errorf("block template: %w", err)
	}
	if err := Solve(ctx, &b.Header); err != nil {
		return nil, err
	}
	return b, nil
}

// Solve finds a nonce that meets h.Bits and stores it in h.
func Solve(ctx context.Context, h *chain.Header) error {
	stop := func() bool { return ctx.Err() != nil }
	workers := runtime.GOMAXPROCS(0)
	if h.Bits < parallelBits || workers == 1 {
		if _, ok := chain.SolveHeader(h, 0, 1, stop); !ok {
			return ctx.Err()
		}
		return nil
	}
	var found atomic.Bool
	var nonce uint64
	var once sync.Once
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			hc := *h
			n, ok := chain.SolveHeader(&hc, uint64(w), uint64(workers), func() bool { return found.Load() || stop() })
			if ok {
				once.Do(func() { nonce = n; found.Store(true) })
			}
		})
	}
	wg.Wait()
	if !found.Load() {
		return ctx.Err()
	}
	h.Nonce = nonce
	return nil
}

// MineBlocks mines n blocks paying payTo, each with no transactions but
// the coinbase (txs go into the first), connecting each to c. It returns
// the blocks connected.
func MineBlocks(ctx context.Context, c *blockchain.Chain, payTo [20]byte, n int, txs []*chain.Tx) ([]*chain.Block, error) {
	var out []*chain.Block
	for i := 0; i < n; i++ {
		b, err := Mine(ctx, c, payTo, txs)
		if err != nil {
			return out, err
		}
		txs = nil
		res, err := c.ProcessBlock(b)
		if err != nil {
			return out, fmt.Errorf("mined block %s: %w", b.Hash(), err)
		}
		if res.Status != blockchain.Connected {
			return out, fmt.Errorf("mined block %s was not connected (%s)", b.Hash(), res.Status)
		}
		out = append(out, b)
	}
	return out, nil
}
