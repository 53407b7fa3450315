package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/miner"
)

// maxMineAttempts bounds retries when peers' blocks keep replacing the tip
// a template was built on.
const maxMineAttempts = 20

// mineOne mines one block with the mempool's txs on the current tip and
// connects it. If a peer's block took the tip meanwhile the block lands on
// a side chain; it then tries again on the new tip.
func (n *Node) mineOne(ctx context.Context, payTo [20]byte) (*chain.Block, error) {
	n.mineMu.Lock()
	defer n.mineMu.Unlock()
	for range maxMineAttempts {
		b, err := miner.Mine(ctx, n.Chain, payTo, n.Pool.ByFeeRate(0))
		if err != nil {
			return nil, err
		}
		res, err := n.Chain.ProcessBlock(b)
		if err != nil {
			return nil, fmt.Errorf("mined block %s: %w", b.Hash(), err)
		}
		if res.Status == blockchain.Connected {
			n.cfg.Log.Info("mined block", "height", b.Header.Height, "hash", b.Hash(), "txs", len(b.Txs))
			n.events.Add(controlapi.Event{Kind: controlapi.EventMined, Height: b.Header.Height, Tip: b.Hash().String()})
			return b, nil
		}
	}
	return nil, fmt.Errorf("mining: the tip moved under %d templates in a row", maxMineAttempts)
}

// minterLoop mines while the node runs: when the mempool holds txs, and
// with MineInterval also every interval (with MineIntervalOnly, only then).
func (n *Node) minterLoop(ctx context.Context, payTo [20]byte) {
	var tick <-chan time.Time
	if n.cfg.MineInterval > 0 {
		t := time.NewTicker(n.cfg.MineInterval)
		defer t.Stop()
		tick = t.C
	}
	added := n.Pool.Added()
	if n.cfg.MineIntervalOnly && tick != nil {
		added = nil
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		case <-added:
			if n.Pool.Len() == 0 {
				continue
			}
		}
		if err := n.awaitCaughtUp(ctx); err != nil {
			return
		}
		if _, err := n.mineOne(ctx, payTo); err != nil && ctx.Err() == nil {
			n.cfg.Log.Warn("minter", "err", err)
		}
	}
}

// catchUpWait bounds how long the minter waits for the node to catch up
// with its peers before mining anyway: catching up takes a moment, and a
// minter that never mines is worse than a fork.
const catchUpWait = 5 * time.Second

// catchUpPoll is how often the minter looks again while it waits.
const catchUpPoll = 20 * time.Millisecond

// awaitCaughtUp returns once the node is not fetching a better chain from
// a peer (p2p.Sync.CatchingUp), or after catchUpWait. A minter that had
// just joined mined on the tip it had while the chain it was fetching
// already went further: a fork of equal work that held a payment
// unconfirmed on the other side, with no more mining to settle it.
func (n *Node) awaitCaughtUp(ctx context.Context) error {
	if !n.Sync.CatchingUp() {
		return nil
	}
	deadline := time.NewTimer(catchUpWait)
	defer deadline.Stop()
	poll := time.NewTicker(catchUpPoll)
	defer poll.Stop()
	for n.Sync.CatchingUp() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			n.cfg.Log.Warn("minter: still catching up with a peer; mining anyway", "waited", catchUpWait)
			return nil
		case <-poll.C:
		}
	}
	return nil
}
