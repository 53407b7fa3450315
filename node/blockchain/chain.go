// Package blockchain is the chain state machine of a node: it validates
// blocks against the chain and the UTXO set, keeps orphans (bounded),
// follows the branch with the most cumulative work (reorganising when a
// better one appears), and writes each block connect or disconnect in one
// database transaction. A Chain is safe for concurrent use.
package blockchain

import (
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/store"
)

// ErrInvalid is wrapped by every error about a block or transaction that
// breaks a consensus rule (chain.RuleOf tells which).
var ErrInvalid = chain.ErrInvalid

// ErrLocked is wrapped by Open when a running node holds the data dir.
var ErrLocked = store.ErrLocked

// ErrOtherNetwork is wrapped by Open when the data dir was created for
// other parameters (another --difficulty).
var ErrOtherNetwork = errors.New("belongs to another network")

// UTXO is an unspent output with its outpoint.
type UTXO = store.UTXO

// Event tells subscribers what one ProcessBlock (or Mine) changed: blocks
// disconnected from the main chain, tip first, then blocks connected,
// lowest first.
type Event struct {
	Connected    []*chain.Block
	Disconnected []*chain.Block
}

// node is a block of the in-memory index.
type node struct {
	hash   chain.Hash
	parent *node
	height uint64
	time   int64
	work   uint64 // cumulative: ≤ 2^32 per block, so 2^31 blocks fit
	status store.Status
}

// Chain is the chain of one data dir.
type Chain struct {
	mu      sync.RWMutex // guards everything below and all writes
	evMu    sync.Mutex   // guards evDone; held while events are delivered
	evCond  *sync.Cond   // signals evDone changes
	evNext  uint64       // ticket of the next event (under mu)
	evDone  uint64       // tickets delivered (under evMu)
	db      *store.DB
	p       chain.Params
	dataDir string
	genesis *node
	index   map[chain.Hash]*node
	main    []*node // main chain by height
	orphans *orphanPool
	reject  *hashSet
	subs    []func(Event)
	now     func() time.Time
	workers int
	sigs    *sigCache
}

// Open opens or creates the chain in <dataDir>/chain for the network p. A
// data dir created for other parameters is refused with ErrOtherNetwork; one
// held by a running node fails at once with ErrLocked.
func Open(dataDir string, p chain.Params) (*Chain, error) { return open(dataDir, p, false) }

// OpenAdopting is Open, except that an existing data dir keeps the
// difficulty it was created with (p.Bits only applies to a new one). For
// commands run without an explicit --difficulty.
func OpenAdopting(dataDir string, p chain.Params) (*Chain, error) { return open(dataDir, p, true) }

func open(dataDir string, p chain.Params, adopt bool) (*Chain, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	db, err := store.Open(filepath.Join(dataDir, "chain"))
	if err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dataDir, err)
	}
	c := &Chain{
		db: db, p: p, dataDir: dataDir,
		index:   make(map[chain.Hash]*node),
		orphans: newOrphanPool(MaxOrphans),
		reject:  newHashSet(1024),
		now:     time.Now,
		workers: runtime.GOMAXPROCS(0),
		sigs:    newSigCache(),
	}
	c.evCond = sync.NewCond(&c.evMu)
	if err := c.init(adopt); err != nil {
		db.Close()
		return nil, err
	}
	if err := c.injectFault(); err != nil {
		db.Close()
		return nil, err
	}
	return c, nil
}

// init checks or records the network, then loads the block index.
func (c *Chain) init(adopt bool) error {
	var rec store.Network
	var ok bool
	if err := c.db.View(func(x *store.Txn) (err error) {
		rec, ok, err = x.Network()
		return err
	}); err != nil {
		return fmt.Errorf("data dir %s: %w", c.dataDir, err)
	}
	if !ok {
		return c.create()
	}
	if adopt && rec.Bits != c.p.Bits && rec.Bits <= chain.MaxBits {
		c.p = c.p.WithBits(rec.Bits)
	}
	if g := chain.GenesisBlock(c.p).Hash(); g != rec.Genesis {
		return fmt.Errorf("data dir %s %w (its genesis %s has difficulty %d; this command uses difficulty %d, genesis %s)",
			c.dataDir, ErrOtherNetwork, rec.Genesis, rec.Bits, c.p.Bits, g)
	}
	if err := c.load(); err != nil {
		return fmt.Errorf("data dir %s: %w", c.dataDir, err)
	}
	if err := c.checkStoredSignatures(); err != nil {
		return fmt.Errorf("data dir %s: %w", c.dataDir, err)
	}
	var redo bool
	if err := c.db.View(func(x *store.Txn) (err error) { redo, err = x.Reindexing(); return err }); err != nil {
		return err
	}
	if redo {
		slog.Warn("an interrupted UTXO reindex is redone", "datadir", c.dataDir)
		if _, err := c.reindexLocked(); err != nil {
			return err
		}
	}
	// A reorg interrupted between its transactions leaves a better branch
	// stored but not connected: finish it.
	if best := c.bestCandidate(c.tip()); best != c.tip() {
		slog.Info("resuming an interrupted reorganisation", "target", best.hash, "height", best.height)
		if _, _, err := c.activateBest(best, &Event{}); err != nil && !errors.Is(err, ErrInvalid) {
			return fmt.Errorf("data dir %s: resume reorganisation: %w", c.dataDir, err)
		}
	}
	return nil
}

// create records the network and connects the genesis block, together.
func (c *Chain) create() error {
	g := chain.GenesisBlock(c.p)
	h := g.Hash()
	n := &node{hash: h, height: 0, time: g.Header.Timestamp, work: workOf(g.Header.Bits), status: store.StatusValid}
	err := c.db.Update(func(x *store.Txn) error {
		if err := x.PutNetwork(store.Network{Genesis: h, Bits: c.p.Bits, Subsidy: c.p.Subsidy}); err != nil {
			return err
		}
		if err := x.PutBlock(h, g); err != nil {
			return err
		}
		return applyBlock(x, g, g.TxIDs(), nil, n)
	})
	if err != nil {
		return fmt.Errorf("data dir %s: create chain: %w", c.dataDir, err)
	}
	c.genesis = n
	c.index[h] = n
	c.main = []*node{n}
	return nil
}

// load builds the in-memory index from the stored one and the main chain
// from the tip, and checks the tip against the height index.
func (c *Chain) load() error {
	var entries []store.IndexEntry
	var tip chain.Hash
	err := c.db.View(func(x *store.Txn) error {
		var ok bool
		var err error
		if tip, ok, err = x.Tip(); err != nil {
			return err
		} else if !ok {
			return errors.New("database has no tip")
		}
		return x.ForEachIndex(func(e store.IndexEntry) error {
			entries = append(entries, e)
			return nil
		})
	})
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Header.Height < entries[j].Header.Height })
	gh := chain.GenesisBlock(c.p).Hash()
	for _, e := range entries {
		n := &node{hash: e.Hash, height: e.Header.Height, time: e.Header.Timestamp, status: e.Status}
		if e.Hash == gh {
			n.work = workOf(e.Header.Bits)
			c.genesis = n
		} else {
			parent := c.index[e.Header.PrevHash]
			if parent == nil || parent.height+1 != n.height {
				slog.Warn("stored block without a stored parent is ignored", "block", e.Hash)
				continue
			}
			n.parent = parent
			n.work = parent.work + workOf(e.Header.Bits)
			if parent.status == store.StatusInvalid {
				n.status = store.StatusInvalid
			}
		}
		c.index[e.Hash] = n
	}
	t := c.index[tip]
	if c.genesis == nil || t == nil {
		return fmt.Errorf("tip %s or genesis missing from the block index", tip)
	}
	c.main = make([]*node, t.height+1)
	for n := t; n != nil; n = n.parent {
		c.main[n.height] = n
		n.status = store.StatusValid
	}
	if c.main[0] != c.genesis {
		return errors.New("main chain does not start at the genesis block")
	}
	return c.db.View(func(x *store.Txn) error {
		h, ok, err := x.MainHash(t.height)
		if err != nil {
			return err
		}
		if !ok || h != t.hash {
			return fmt.Errorf("height index at %d disagrees with tip %s", t.height, t.hash)
		}
		return nil
	})
}

func workOf(bits uint32) uint64 { return 1 << bits }

// Close closes the database.
func (c *Chain) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.db.Close()
}

// Params are the network's parameters (after OpenAdopting, the data dir's).
func (c *Chain) Params() chain.Params { return c.p }

// DataDir is the data dir the chain lives in.
func (c *Chain) DataDir() string { return c.dataDir }

// Genesis is the genesis block's hash.
func (c *Chain) Genesis() chain.Hash { return c.genesis.hash }

// Tip gives the main chain's tip, its height and its cumulative work.
func (c *Chain) Tip() (hash chain.Hash, height uint64, work *big.Int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t := c.tip()
	return t.hash, t.height, new(big.Int).SetUint64(t.work)
}

// Height is the main chain's height.
func (c *Chain) Height() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.tip().height
}

func (c *Chain) tip() *node { return c.main[len(c.main)-1] }

// Subscribe registers fn to be called after each change of the main chain,
// in order, outside the chain's lock (fn may read the chain, but must not
// call ProcessBlock or Mine synchronously).
func (c *Chain) Subscribe(fn func(Event)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.subs = append(c.subs, fn)
}

// unlockAndNotify releases the write lock and delivers ev. Events keep the
// order of the commits: each takes a ticket under the write lock and waits
// for its turn after releasing it (so subscribers can read the chain).
func (c *Chain) unlockAndNotify(ev *Event) {
	if len(ev.Connected) == 0 && len(ev.Disconnected) == 0 {
		c.mu.Unlock()
		return
	}
	subs := c.subs
	ticket := c.evNext
	c.evNext++
	c.mu.Unlock()
	c.evMu.Lock()
	defer c.evMu.Unlock()
	for c.evDone != ticket {
		c.evCond.Wait()
	}
	for _, fn := range subs {
		fn(*ev)
	}
	c.evDone++
	c.evCond.Broadcast()
}
