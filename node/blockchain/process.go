package blockchain

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/store"
)

// errFuture marks a block refused only because our clock is behind it.
var errFuture = errors.New("from the future")

// Status says what ProcessBlock did with a block.
type Status int

// What happened to a processed block.
const (
	Connected Status = iota + 1 // on the main chain now
	SideChain                   // stored on a branch with less work than the main chain
	Orphan                      // parent unknown: kept in memory until it arrives
	Duplicate                   // already known
	// NotStored: valid as far as checked, but its branch would not have
	// more work than the main chain and it was unsolicited, or the
	// side-chain budget (MaxSideBlocks, MaxSideBytes) is spent.
	NotStored
)

func (s Status) String() string {
	switch s {
	case Connected:
		return "connected"
	case SideChain:
		return "side-chain"
	case Orphan:
		return "orphan"
	case Duplicate:
		return "duplicate"
	case NotStored:
		return "not-stored"
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// Result of ProcessBlock.
type Result struct {
	Status Status
	Hash   chain.Hash
	Height uint64
	Reorg  bool // the main chain switched branches (blocks were disconnected)
	// Connected counts the blocks connected to the main chain by this call,
	// orphans that this block completed included.
	Connected int
}

// ProcessBlock validates b and adds it to the chain. A block whose parent
// is unknown is kept as an orphan (OrphanRoot says what to ask for). A
// block on a branch with more cumulative work than the main chain makes
// that branch the main chain (reorg). The error wraps ErrInvalid when b
// breaks a rule; other errors are the node's own (database) failures.
func (c *Chain) ProcessBlock(b *chain.Block) (Result, error) { return c.process(b, false) }

// ProcessUnsolicited is ProcessBlock for a block the node did not ask for:
// like bitcoind with unrequested blocks, it stores the block only if its
// branch then has more work than the main chain; otherwise the result is
// NotStored and nothing is written. Orphans are still kept (bounded) so
// their ancestors can be asked for.
func (c *Chain) ProcessUnsolicited(b *chain.Block) (Result, error) { return c.process(b, true) }

func (c *Chain) process(b *chain.Block, unsolicited bool) (Result, error) {
	h := b.Hash()
	res := Result{Hash: h, Height: b.Header.Height}
	c.mu.RLock()
	known := c.index[h] != nil || c.orphans.has(h)
	rejected := c.reject.has(h)
	c.mu.RUnlock()
	if known {
		res.Status = Duplicate
		return res, nil
	}
	if rejected {
		return res, fmt.Errorf("block %s: %w", h, chain.Invalid(chain.RuleHeader, "previously rejected"))
	}
	ids, err := chain.CheckBlockSanityHash(b, h, c.p) // outside the lock: no state needed
	if err != nil {
		c.mu.Lock()
		c.reject.add(h)
		c.mu.Unlock()
		return res, fmt.Errorf("block %s: %w", h, err)
	}
	c.mu.Lock()
	ev := &Event{}
	defer c.unlockAndNotify(ev)
	res, err = c.accept(b, h, ids, ev, unsolicited)
	if err != nil || res.Status == Orphan || res.Status == Duplicate || res.Status == NotStored {
		return res, err
	}
	c.acceptOrphans(h, ev, &res, unsolicited)
	return res, nil
}

// accept handles a block that passed the sanity checks; c.mu is held.
func (c *Chain) accept(b *chain.Block, h chain.Hash, ids []chain.Hash, ev *Event, unsolicited bool) (Result, error) {
	res := Result{Hash: h, Height: b.Header.Height}
	if c.index[h] != nil {
		res.Status = Duplicate
		return res, nil
	}
	parent := c.index[b.Header.PrevHash]
	if parent == nil {
		if !c.orphans.has(h) {
			c.orphans.add(h, b)
		}
		res.Status = Orphan
		return res, nil
	}
	if err := c.checkHeaderContext(&b.Header, parent); err != nil {
		if !errors.Is(err, errFuture) { // a block from the future may be valid later
			c.reject.add(h)
		}
		return res, fmt.Errorf("block %s: %w", h, err)
	}
	n := &node{hash: h, parent: parent, height: parent.height + 1, time: b.Header.Timestamp,
		work: parent.work + workOf(b.Header.Bits)}
	tip := c.tip()
	if parent == tip { // the common case: extend the main chain in one transaction
		if err := c.connect(n, b, ids, true); err != nil {
			if errors.Is(err, ErrInvalid) {
				c.reject.add(h)
			}
			return res, fmt.Errorf("block %s: %w", h, err)
		}
		c.index[h] = n
		ev.Connected = append(ev.Connected, b)
		res.Status, res.Connected = Connected, 1
		return res, nil
	}
	lowWork := n.work <= tip.work
	size := b.SerializeSize()
	if lowWork && (unsolicited || !c.orphans.sideRoom(size)) {
		res.Status = NotStored
		return res, nil
	}
	if err := c.db.Update(func(x *store.Txn) error { return x.PutBlock(h, b) }); err != nil {
		return res, fmt.Errorf("store block %s: %w", h, err)
	}
	c.index[h] = n
	if lowWork {
		c.orphans.addSide(h, size)
		res.Status = SideChain
		return res, nil
	}
	connected, disconnected, err := c.activateBest(n, ev)
	for _, cb := range ev.Connected {
		c.orphans.joinedMain(cb.Hash())
	}
	res.Connected = connected
	res.Reorg = disconnected > 0
	if c.onMain(n) {
		res.Status = Connected
	} else {
		res.Status = SideChain
	}
	if n.status == store.StatusInvalid && err == nil {
		err = chain.Invalid(chain.RuleHeader, "descends from an invalid block")
	}
	if err != nil {
		return res, fmt.Errorf("block %s: %w", h, err)
	}
	return res, nil
}

// checkHeaderContext checks what the header must say given its parent:
// height one above, timestamp not before the median of the last
// MedianTimeSpan blocks, and not too far ahead of our clock.
func (c *Chain) checkHeaderContext(h *chain.Header, parent *node) error {
	if parent.status == store.StatusInvalid {
		return chain.Invalid(chain.RuleHeader, "parent %s is invalid", parent.hash)
	}
	if h.Height != parent.height+1 {
		return chain.Invalid(chain.RuleHeader, "height %d, parent is at %d", h.Height, parent.height)
	}
	if mtp := medianTime(parent); h.Timestamp < mtp {
		return chain.Invalid(chain.RuleTimestamp, "timestamp %d before the median %d of the last blocks", h.Timestamp, mtp)
	}
	if limit := c.now().Unix() + chain.MaxFutureDrift; h.Timestamp > limit {
		return fmt.Errorf("%w: %w", errFuture,
			chain.Invalid(chain.RuleTimestamp, "timestamp %d more than %ds ahead of our clock", h.Timestamp, chain.MaxFutureDrift))
	}
	return nil
}

// medianTime is the median timestamp of n and its ancestors, up to
// MedianTimeSpan blocks.
func medianTime(n *node) int64 {
	var ts [chain.MedianTimeSpan]int64
	k := 0
	for ; n != nil && k < len(ts); n = n.parent {
		ts[k] = n.time
		k++
	}
	s := ts[:k]
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[k/2]
}

func (c *Chain) onMain(n *node) bool {
	return n.height < uint64(len(c.main)) && c.main[n.height] == n
}

// activateBest makes target the main chain's tip if it has more work:
// disconnect back to the fork point, then connect target's branch, each
// block in its own transaction. If a block of the branch breaks a rule it
// and its descendants are marked invalid and the best remaining branch is
// activated instead (which may be the old one). The returned error is the
// rule error that hit target's branch, if any.
func (c *Chain) activateBest(target *node, ev *Event) (connected, disconnected int, ruleErr error) {
	orig, fallback := c.tip(), false
	for target != c.tip() && (fallback || target.work > c.tip().work) {
		fork := target
		for !c.onMain(fork) {
			fork = fork.parent
		}
		for c.tip() != fork {
			b, err := c.disconnectTip()
			if err != nil {
				return connected, disconnected, err
			}
			ev.Disconnected = append(ev.Disconnected, b)
			disconnected++
		}
		var path []*node
		for n := target; n != fork; n = n.parent {
			path = append(path, n)
		}
		failed := false
		for i := len(path) - 1; i >= 0; i-- {
			n := path[i]
			var b *chain.Block
			err := c.db.View(func(x *store.Txn) (err error) { b, err = x.Block(n.hash); return err })
			if err == nil {
				err = c.connect(n, b, nil, false)
			}
			if errors.Is(err, ErrInvalid) {
				slog.Warn("branch block is invalid", "block", n.hash, "height", n.height, "err", err)
				c.markInvalid(n)
				if ruleErr == nil {
					ruleErr = err
				}
				failed = true
				break
			}
			if err != nil {
				return connected, disconnected, err
			}
			ev.Connected = append(ev.Connected, b)
			connected++
		}
		if !failed {
			break
		}
		target, fallback = c.bestCandidate(orig), true
	}
	if disconnected > 0 {
		slog.Info("reorganised", "disconnected", disconnected, "connected", connected, "tip", c.tip().hash, "height", c.tip().height)
	}
	return connected, disconnected, ruleErr
}

// markInvalid records that n broke a rule and flags its descendants.
func (c *Chain) markInvalid(n *node) {
	n.status = store.StatusInvalid
	err := c.db.Update(func(x *store.Txn) error { return x.MarkInvalid(n.hash) })
	if err != nil {
		slog.Error("cannot record an invalid block", "block", n.hash, "err", err)
	}
	for _, m := range c.index {
		for a := m.parent; a != nil && a.height >= n.height; a = a.parent {
			if a == n {
				m.status = store.StatusInvalid
				break
			}
		}
	}
}

// bestCandidate is the valid-so-far block with the most work; on a tie
// prefer is kept (the tip before a failed reorg).
func (c *Chain) bestCandidate(prefer *node) *node {
	best := prefer
	if best.status == store.StatusInvalid {
		best = c.genesis
	}
	for _, n := range c.index {
		if n.status != store.StatusInvalid && n.work > best.work {
			best = n
		}
	}
	return best
}

// acceptOrphans processes orphans whose parent just arrived, and theirs.
func (c *Chain) acceptOrphans(parent chain.Hash, ev *Event, res *Result, unsolicited bool) {
	queue := []chain.Hash{parent}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, b := range c.orphans.takeChildren(p) {
			h := b.Hash()
			ids := b.TxIDs()
			r, err := c.accept(b, h, ids, ev, unsolicited)
			if err != nil {
				slog.Debug("orphan rejected", "block", h, "err", err)
				continue
			}
			if r.Status == NotStored {
				continue
			}
			res.Connected += r.Connected
			res.Reorg = res.Reorg || r.Reorg
			queue = append(queue, h)
		}
	}
}

// OrphanRoot gives the missing ancestor of orphan h (the block to request),
// or h itself if it is no orphan.
func (c *Chain) OrphanRoot(h chain.Hash) chain.Hash {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for i := 0; i < MaxOrphans+1; i++ {
		b := c.orphans.get(h)
		if b == nil {
			return h
		}
		h = b.Header.PrevHash
	}
	return h
}
