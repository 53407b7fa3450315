package p2p

import (
	"testing"
	"time"
)

func TestSyncAndRelay(t *testing.T) {
	a, b := newTestNode(t, testParams), newTestNode(t, testParams)
	a.mine(t, 30)
	b.connect(t, a)
	waitFor(t, 10*time.Second, "b to sync a's 30 blocks", func() bool { return b.tip() == a.tip() })
	if a.sync.PeerCount() != 1 || b.sync.PeerCount() != 1 {
		t.Fatalf("peer counts %d, %d; want 1, 1", a.sync.PeerCount(), b.sync.PeerCount())
	}
	b.mine(t, 1)
	waitFor(t, 5*time.Second, "a to receive b's new block", func() bool { return a.tip() == b.tip() })
	if a.height() != 31 {
		t.Fatalf("a at height %d, want 31", a.height())
	}
}
