package blockchain

import "github.com/devchain/devchain/node/chain"

// MaxOrphans and MaxOrphanBytes bound the blocks kept while their parent
// is unknown; the oldest goes first.
const (
	MaxOrphans     = 100
	MaxOrphanBytes = 16 << 20
)

// MaxSideBlocks and MaxSideBytes bound the side-chain blocks (stored on a
// branch with no more work than the main chain) that one run of the node
// writes: every block it asked for is stored, so a peer that announces a
// cheap branch could otherwise fill the disk and the block index. An
// honest reorg needs as many side blocks as our own branch holds past the
// fork (the other branch is stored until its work passes ours), and a
// devnet partition of a few hundred ordinary blocks (a few KB each) fits
// in 4 MB; the blocks that become main again free their share.
const (
	MaxSideBlocks = 1000
	MaxSideBytes  = 4 << 20
)

// orphanPool holds the blocks off the main chain that peers can make the
// node keep: orphans in memory, and the account of side-chain blocks
// written to disk in this run.
type orphanPool struct {
	max    int
	bytes  int
	blocks map[chain.Hash]*chain.Block
	byPrev map[chain.Hash][]chain.Hash
	order  []chain.Hash // arrival order, for eviction

	side      map[chain.Hash]int // side-chain blocks stored in this run, with their size
	sideBytes int
}

func newOrphanPool(max int) *orphanPool {
	return &orphanPool{max: max, blocks: map[chain.Hash]*chain.Block{}, byPrev: map[chain.Hash][]chain.Hash{},
		side: map[chain.Hash]int{}}
}

// sideRoom says whether a side-chain block of size bytes fits the budget.
func (o *orphanPool) sideRoom(size int) bool {
	return len(o.side) < MaxSideBlocks && o.sideBytes+size <= MaxSideBytes
}

func (o *orphanPool) addSide(h chain.Hash, size int) {
	o.side[h] = size
	o.sideBytes += size
}

// joinedMain frees the budget of a side-chain block now on the main chain.
func (o *orphanPool) joinedMain(h chain.Hash) {
	if size, ok := o.side[h]; ok {
		delete(o.side, h)
		o.sideBytes -= size
	}
}

func (o *orphanPool) has(h chain.Hash) bool         { return o.blocks[h] != nil }
func (o *orphanPool) get(h chain.Hash) *chain.Block { return o.blocks[h] }
func (o *orphanPool) len() int                      { return len(o.blocks) }

func (o *orphanPool) add(h chain.Hash, b *chain.Block) {
	size := b.SerializeSize()
	for (len(o.blocks) >= o.max || o.bytes+size > MaxOrphanBytes) && len(o.order) > 0 {
		o.remove(o.order[0])
	}
	o.bytes += size
	o.blocks[h] = b
	o.byPrev[b.Header.PrevHash] = append(o.byPrev[b.Header.PrevHash], h)
	o.order = append(o.order, h)
}

func (o *orphanPool) remove(h chain.Hash) {
	b := o.blocks[h]
	if b == nil {
		return
	}
	delete(o.blocks, h)
	o.bytes -= b.SerializeSize()
	p := b.Header.PrevHash
	kids := o.byPrev[p]
	for i, k := range kids {
		if k == h {
			kids = append(kids[:i], kids[i+1:]...)
			break
		}
	}
	if len(kids) == 0 {
		delete(o.byPrev, p)
	} else {
		o.byPrev[p] = kids
	}
	for i, k := range o.order {
		if k == h {
			o.order = append(o.order[:i], o.order[i+1:]...)
			break
		}
	}
}

// takeChildren removes and returns the orphans whose parent is p.
func (o *orphanPool) takeChildren(p chain.Hash) []*chain.Block {
	hs := o.byPrev[p]
	out := make([]*chain.Block, 0, len(hs))
	for _, h := range append([]chain.Hash(nil), hs...) {
		out = append(out, o.blocks[h])
		o.remove(h)
	}
	return out
}

// hashSet is a bounded set that forgets its oldest members.
type hashSet struct {
	max   int
	m     map[chain.Hash]struct{}
	order []chain.Hash
}

func newHashSet(max int) *hashSet { return &hashSet{max: max, m: map[chain.Hash]struct{}{}} }

func (s *hashSet) has(h chain.Hash) bool { _, ok := s.m[h]; return ok }

func (s *hashSet) add(h chain.Hash) {
	if s.has(h) {
		return
	}
	if len(s.order) >= s.max {
		delete(s.m, s.order[0])
		s.order = s.order[1:]
	}
	s.m[h] = struct{}{}
	s.order = append(s.order, h)
}
