package p2p

import (
	"testing"
	"time"

	"github.com/devchain/devchain/node/identity"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

func TestPeerDBKeepsPeersThroughRestarts(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenPeerDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_000_000, 0)
	db.now = func() time.Time { return now }
	id, _ := identity.PeerIDFromSeed("peer")
	addr := ma.StringCast("/ip4/127.0.0.1/tcp/4001")
	if err := db.Seen(peer.AddrInfo{ID: id, Addrs: []ma.Multiaddr{addr}}); err != nil {
		t.Fatal(err)
	}
	// Many failures within a short time: a restart, not a dead peer.
	for range db.DropFailures * 2 {
		if err := db.Failed(id); err != nil {
			t.Fatal(err)
		}
	}
	recs, _ := db.List()
	if len(recs) != 1 || recs[0].Failures != db.DropFailures*2 {
		t.Fatalf("after failures within a short time: %+v, want the peer kept with its failures counted", recs)
	}
	db.Close()

	// Reopened: the record survived; a success resets the failures.
	db, err = OpenPeerDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.now = func() time.Time { return now }
	recs, _ = db.List()
	if len(recs) != 1 || recs[0].ID != id || recs[0].AddrInfo().Addrs[0].String() != addr.String() {
		t.Fatalf("after reopening: %+v", recs)
	}
	db.Seen(peer.AddrInfo{ID: id, Addrs: []ma.Multiaddr{addr}})
	if recs, _ = db.List(); recs[0].Failures != 0 {
		t.Fatalf("failures %d after a success, want 0", recs[0].Failures)
	}

	// Repeated failures over more than DropAge: dropped.
	now = now.Add(db.DropAge + time.Hour)
	for range db.DropFailures {
		db.Failed(id)
	}
	if recs, _ = db.List(); len(recs) != 0 {
		t.Fatalf("peer failing for longer than %s still saved: %+v", db.DropAge, recs)
	}
}

func TestGaterDenyAndBan(t *testing.T) {
	g := NewGater()
	a, _ := identity.PeerIDFromSeed("a")
	b, _ := identity.PeerIDFromSeed("b")
	now := time.Unix(0, 0)
	g.now = func() time.Time { return now }
	g.SetDeny([]peer.ID{a})
	g.Ban(b, time.Minute)
	if g.Allowed(a) || g.Allowed(b) || !g.InterceptPeerDial("c") {
		t.Fatal("denied or banned peer allowed, or another peer refused")
	}
	now = now.Add(2 * time.Minute)
	if !g.Allowed(b) {
		t.Fatal("ban did not expire")
	}
	g.SetDeny(nil)
	if !g.Allowed(a) || len(g.Denied()) != 0 {
		t.Fatal("deny set not replaced")
	}
}
