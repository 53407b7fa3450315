package blockchain

import (
	"sync"
	"testing"

	"github.com/devchain/devchain/node/chain"
)

// Blocks of two competing branches arrive out of order from several
// goroutines while others read: the chain ends on the heavier branch with a
// consistent database (run with -race).
func TestConcurrentProcessAndRead(t *testing.T) {
	src := openTest(t)
	k := newKey(t)
	base := extend(t, src, k.PubKeyHash(), 0)
	var short, long []*chain.Block
	parent := base.Hash()
	for i := 0; i < 5; i++ {
		b := build(t, src, parent, k.PubKeyHash(), 0, nil, func(b *chain.Block) { b.Header.Timestamp += 100 })
		if _, err := src.ProcessBlock(b); err != nil {
			t.Fatal(err)
		}
		short, parent = append(short, b), b.Hash()
	}
	parent = base.Hash()
	for i := 0; i < 8; i++ {
		b := build(t, src, parent, k.PubKeyHash(), 0, nil, nil)
		if _, err := src.ProcessBlock(b); err != nil {
			t.Fatal(err)
		}
		long, parent = append(long, b), b.Hash()
	}
	if tipHash(src) != long[7].Hash() {
		t.Fatal("source chain did not pick the long branch")
	}

	c := openTest(t)
	var events sync.Mutex
	connected := 0
	c.Subscribe(func(e Event) {
		events.Lock()
		connected += len(e.Connected) - len(e.Disconnected)
		events.Unlock()
		c.Tip() // subscribers may read
	})
	all := append([]*chain.Block{base}, append(short, long...)...)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Go(func() {
			for i := len(all) - 1 - w; i >= 0; i -= 2 { // every block twice, mostly children first
				if _, err := c.ProcessBlock(all[i]); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for r := 0; r < 2; r++ {
		wg.Go(func() {
			for i := 0; i < 200; i++ {
				c.Tip()
				c.Locator()
				c.HashesAfter(c.Locator(), 5)
				if _, err := c.Balance(k.PubKeyHash()); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if tipHash(c) != long[7].Hash() {
		_, h, _ := c.Tip()
		t.Fatalf("tip at height %d is not the long branch's", h)
	}
	if connected != 9 {
		t.Fatalf("events net %d connected blocks, want 9", connected)
	}
	mustVerify(t, c)
}
