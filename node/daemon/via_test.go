package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/devchain/devchain/node/controlapi"
	ma "github.com/multiformats/go-multiaddr"
)

// logSeen records the messages a node logs, so a test can wait for a step
// the node takes inside.
type logSeen struct {
	mu   *sync.Mutex
	msgs map[string]int
}

func newLogSeen() logSeen { return logSeen{mu: &sync.Mutex{}, msgs: map[string]int{}} }

func (l logSeen) Enabled(context.Context, slog.Level) bool { return true }
func (l logSeen) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l logSeen) WithGroup(string) slog.Handler            { return l }
func (l logSeen) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.msgs[r.Message]++
	l.mu.Unlock()
	return nil
}

func (l logSeen) seen(msg string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.msgs[msg] > 0
}

// wantVia checks a node's connected_via and the source of each of its
// peers (by peer ID; every peer must be listed).
func wantVia(t *testing.T, name string, n *Node, via string, sources map[*Node]string) {
	t.Helper()
	if s := n.status(t); s.ConnectedVia != via || s.Peers != len(sources) {
		t.Fatalf("%s: connected_via %q with %d peers, want %q with %d", name, s.ConnectedVia, s.Peers, via, len(sources))
	}
	got := map[string]string{}
	for _, p := range n.peerList(t) {
		got[p.PeerID] = p.Source
	}
	for other, want := range sources {
		if src := got[other.Host.ID().String()]; src != want {
			t.Fatalf("%s: peer %s has source %q, want %q (peers %v)", name, other.Host.ID(), src, want, got)
		}
	}
}

// A node found through the rendezvous reports rendezvous, and so do its
// /peers entries; a node only ever dialled by others reports inbound; a
// node whose first peer it found by rendezvous keeps saying so when
// another dials it.
func TestConnectedViaRendezvousAndInbound(t *testing.T) {
	b := startBootstrap(t)
	// The hub advertises and looks once (nobody else is there yet), then
	// not for an hour: every peer it gets dialled it.
	hubLog := newLogSeen()
	cfg := testConfig(t, "hub", b.Addrs()...)
	cfg.TargetPeers, cfg.DiscoveryInterval, cfg.Log = 1, time.Hour, slog.New(hubLog)
	hub := startNode(t, cfg)
	waitFor(t, 10*time.Second, "the hub's first lookup", func() bool { return hubLog.seen("rendezvous lookup") })

	cfg = testConfig(t, "first", b.Addrs()...)
	cfg.TargetPeers = 1
	first := startNode(t, cfg)
	waitFor(t, 10*time.Second, "first to find the hub", func() bool { return allPeers(1, hub, first) })
	wantVia(t, "hub", hub, controlapi.ViaInbound, map[*Node]string{first: controlapi.ViaInbound})
	wantVia(t, "first", first, controlapi.ViaRendezvous, map[*Node]string{hub: controlapi.ViaRendezvous})

	// first has its target and looks no more; second wants two peers and
	// finds both.
	cfg = testConfig(t, "second", b.Addrs()...)
	cfg.TargetPeers = 2
	second := startNode(t, cfg)
	waitFor(t, 10*time.Second, "second to find both", func() bool { return allPeers(2, second, hub, first) })
	wantVia(t, "hub", hub, controlapi.ViaInbound, map[*Node]string{first: controlapi.ViaInbound, second: controlapi.ViaInbound})
	wantVia(t, "first", first, controlapi.ViaRendezvous, map[*Node]string{hub: controlapi.ViaRendezvous, second: controlapi.ViaInbound})
	wantVia(t, "second", second, controlapi.ViaRendezvous, map[*Node]string{hub: controlapi.ViaRendezvous, first: controlapi.ViaRendezvous})
}

// p2pPort is the TCP port a node listens on, so it can come back there.
func p2pPort(t *testing.T, n *Node) int {
	t.Helper()
	port, err := n.Host.Addrs()[0].ValueForProtocol(ma.P_TCP)
	if err != nil {
		t.Fatal(err)
	}
	var p int
	if _, err := fmt.Sscan(port, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every node and the bootstrap stop; the chain nodes start again together
// at their old addresses, without the bootstrap: each finds the others
// from its peer DB or is dialled by them, and none says rendezvous.
func TestConnectedViaAfterRestartWithoutBootstrap(t *testing.T) {
	const count = 4
	b := startBootstrap(t)
	cfgs := make([]Config, count)
	nodes := make([]*Node, count)
	for i := range cfgs {
		cfgs[i] = testConfig(t, fmt.Sprintf("r%d", i), b.Addrs()...)
		nodes[i] = startNode(t, cfgs[i])
	}
	waitFor(t, 15*time.Second, "a full mesh, saved in every peer DB", func() bool {
		if !allPeers(count-1, nodes...) {
			return false
		}
		for _, n := range nodes {
			for _, o := range nodes {
				if n != o && !saved(t, n, o) {
					return false
				}
			}
		}
		return true
	})
	for i, n := range nodes {
		cfgs[i].Port = p2pPort(t, n)
		if err := n.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	nodes = startAll(t, cfgs...)
	waitFor(t, 15*time.Second, "the mesh again, from the peer DBs", func() bool { return allPeers(count-1, nodes...) })
	dialled := 0
	for i, n := range nodes {
		s := n.status(t)
		if s.ConnectedVia != controlapi.ViaPeerDB && s.ConnectedVia != controlapi.ViaInbound {
			t.Errorf("node %d: connected_via %q, want peerdb or inbound", i, s.ConnectedVia)
		}
		for _, p := range n.peerList(t) {
			switch p.Source {
			case controlapi.ViaPeerDB:
				dialled++
			case controlapi.ViaInbound:
			default:
				t.Errorf("node %d: peer %s has source %q, want peerdb or inbound", i, p.PeerID, p.Source)
			}
		}
	}
	if dialled < count*(count-1)/2 { // every pair was dialled by one side at least
		t.Errorf("%d peers came from the peer DB, want at least %d", dialled, count*(count-1)/2)
	}
}

// A node that lost its only peer redials it from its peer DB once it is
// back (not at start): that peer's source is peerdb, and on the other side
// inbound.
func TestConnectedViaPeerDBRedial(t *testing.T) {
	b := startBootstrap(t)
	a := startNode(t, testConfig(t, "a", b.Addrs()...))
	cfgB := testConfig(t, "b", b.Addrs()...)
	cfgB.IdentitySeed = "via-redial-b"
	nb := startNode(t, cfgB)
	waitFor(t, 15*time.Second, "a to save b", func() bool { return saved(t, a, nb) })
	cfgB.Port = p2pPort(t, nb)
	if err := nb.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "a to lose b", func() bool { return a.status(t).ConnectedVia == controlapi.ViaNone })

	// b comes back at its address and identity, on a fresh data dir: no
	// peer DB and no bootstrap, so only a's redial can reach it.
	fresh := testConfig(t, "b-fresh", b.Addrs()...)
	fresh.IdentitySeed, fresh.Port = cfgB.IdentitySeed, cfgB.Port
	nb = startNode(t, fresh)
	waitFor(t, 15*time.Second, "a to redial b", func() bool { return allPeers(1, a, nb) })
	wantVia(t, "a", a, controlapi.ViaPeerDB, map[*Node]string{nb: controlapi.ViaPeerDB})
	wantVia(t, "b", nb, controlapi.ViaInbound, map[*Node]string{a: controlapi.ViaInbound})
}
