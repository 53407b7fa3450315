package blockchain

import (
	"testing"

	"github.com/devchain/devchain/node/chain"
)

// A block nobody asked for whose branch has no more work than the main
// chain is not stored; one that gives its branch more work is, and so is
// an unsolicited orphan (bounded pool) so its ancestors can be asked for.
func TestUnsolicitedLowWorkBlockIsNotStored(t *testing.T) {
	c := openTest(t)
	g := tipHash(c)
	extend(t, c, [20]byte{1}, 0)
	extend(t, c, [20]byte{1}, 0)

	low := build(t, c, g, [20]byte{2}, 0, nil, nil)
	res, err := c.ProcessUnsolicited(low)
	if err != nil || res.Status != NotStored || c.HasBlock(low.Hash()) {
		t.Fatalf("unsolicited low-work block: %v, %v, stored %v; want not-stored", res.Status, err, c.HasBlock(low.Hash()))
	}
	// Asked for, the same block is stored as a side-chain block.
	if res, err := c.ProcessBlock(low); err != nil || res.Status != SideChain {
		t.Fatalf("requested low-work block: %v, %v; want side-chain", res.Status, err)
	}
	// Two more on that branch give it more work than the main chain.
	b2 := build(t, c, low.Hash(), [20]byte{2}, 0, nil, nil)
	if res, err := c.ProcessUnsolicited(b2); err != nil || res.Status != NotStored {
		t.Fatalf("unsolicited block tying the tip: %v, %v; want not-stored", res.Status, err)
	}
	if _, err := c.ProcessBlock(b2); err != nil {
		t.Fatal(err)
	}
	b3 := build(t, c, b2.Hash(), [20]byte{2}, 0, nil, nil)
	if res, err := c.ProcessUnsolicited(b3); err != nil || res.Status != Connected || !res.Reorg {
		t.Fatalf("unsolicited block with more work: %v, reorg %v, %v; want connected by a reorg", res.Status, res.Reorg, err)
	}
	if c.orphans.sideBytes != 0 || len(c.orphans.side) != 0 {
		t.Fatalf("side-chain budget still counts %d blocks (%d bytes) now on the main chain", len(c.orphans.side), c.orphans.sideBytes)
	}
	b5 := build(t, c, tipHash(c), [20]byte{2}, 0, nil, func(b *chain.Block) { b.Header.PrevHash = chain.Hash{1} })
	if res, err := c.ProcessUnsolicited(b5); err != nil || res.Status != Orphan {
		t.Fatalf("unsolicited orphan: %v, %v; want orphan", res.Status, err)
	}
}

// Requested side-chain blocks are stored up to MaxSideBlocks.
func TestSideChainBudget(t *testing.T) {
	c := openTest(t)
	g := tipHash(c)
	extend(t, c, [20]byte{1}, 0)
	extend(t, c, [20]byte{1}, 0)
	stored, refused := 0, 0
	for i := range MaxSideBlocks + 20 {
		b := build(t, c, g, [20]byte{2, byte(i), byte(i >> 8)}, 0, nil, nil)
		res, err := c.ProcessBlock(b)
		if err != nil {
			t.Fatal(err)
		}
		switch res.Status {
		case SideChain:
			stored++
		case NotStored:
			refused++
		default:
			t.Fatalf("side block %d: %v", i, res.Status)
		}
	}
	t.Logf("%d side blocks offered: %d stored, %d refused (budget %d blocks, %d bytes)", stored+refused, stored, refused, MaxSideBlocks, MaxSideBytes)
	if stored != MaxSideBlocks || refused != 20 {
		t.Fatalf("stored %d, refused %d; want %d, 20", stored, refused, MaxSideBlocks)
	}
}
