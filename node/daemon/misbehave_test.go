package daemon

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/identity"
	"github.com/devchain/devchain/node/miner"
	"github.com/devchain/devchain/node/p2p"
	"github.com/devchain/devchain/node/wire"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

func info(n *Node) peer.AddrInfo { return peer.AddrInfo{ID: n.Host.ID(), Addrs: n.Host.Addrs()} }

func TestOtherNetworkKeyCannotConnect(t *testing.T) {
	a := startNode(t, testConfig(t, "a"))
	cfg := testConfig(t, "c")
	cfg.NetworkKey = identity.NetworkKeyFromSeed("another network")
	c := startNode(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := c.Host.Connect(ctx, info(a)); err == nil {
		t.Fatal("a node with another network key connected")
	}
	if a.Sync.PeerCount() != 0 || c.Sync.PeerCount() != 0 {
		t.Fatalf("peer counts %d, %d; want 0, 0", a.Sync.PeerCount(), c.Sync.PeerCount())
	}
}

func TestOtherGenesisIsDropped(t *testing.T) {
	a := startNode(t, testConfig(t, "a"))
	cfg := testConfig(t, "d")
	cfg.Params = testParams.WithBits(9)
	cfg.NetworkKey = DefaultNetworkKey(testParams) // same pnet, other chain
	d := startNode(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := d.Host.Connect(ctx, info(a)); err != nil {
		t.Fatalf("libp2p connect: %v", err)
	}
	waitFor(t, 15*time.Second, "the other-genesis node to be dropped", func() bool {
		return a.Host.Network().Connectedness(d.Host.ID()) != network.Connected
	})
	// Whichever side read the other's version first refused it.
	if a.Sync.PeerCount() != 0 || (a.Gater.Allowed(d.Host.ID()) && d.Gater.Allowed(a.Host.ID())) {
		t.Fatalf("a: %d peers, neither side banned the other; want 0 peers and a ban", a.Sync.PeerCount())
	}
	// And its event log says so, with why.
	banned := func(n *Node) bool {
		r, err := n.client().Events(ctx, 0, 0)
		return err == nil && slices.ContainsFunc(r.Events, func(e controlapi.Event) bool {
			return e.Kind == controlapi.EventBan && strings.Contains(e.Detail, "genesis")
		})
	}
	if !banned(a) && !banned(d) {
		t.Fatal("neither node's events tell the ban")
	}
}

// rawPeer is a bare libp2p host on the node's network that speaks the sync
// protocol by hand.
func rawPeer(t *testing.T, target *Node) (host.Host, network.Stream) {
	t.Helper()
	key, err := identity.LoadOrCreate(filepath.Join(t.TempDir(), "raw.key"), "")
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := p2p.NewHost(p2p.HostConfig{Key: key, NetworkKey: DefaultNetworkKey(testParams), ListenHost: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.Connect(ctx, info(target)); err != nil {
		t.Fatal(err)
	}
	st, err := h.NewStream(ctx, target.Host.ID(), p2p.ProtocolID)
	if err != nil {
		t.Fatal(err)
	}
	return h, st
}

func TestMisbehavingPeersAreDisconnected(t *testing.T) {
	a := startNode(t, testConfig(t, "a"))
	a.mint(t, "m", 1)

	oversize := make([]byte, wire.HeaderSize)
	copy(oversize, wire.CmdBlock)
	binary.BigEndian.PutUint32(oversize[wire.CommandSize:], wire.MaxPayload+1)

	// An invalid block: a valid one with its Merkle root changed.
	other, err := blockchain.Open(t.TempDir(), testParams)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := miner.Mine(context.Background(), other, [20]byte{9}, nil)
	other.Close()
	if err != nil {
		t.Fatal(err)
	}
	bad.Header.MerkleRoot[0] ^= 0xff

	tip, height, work := a.Chain.Tip()
	handshake := func(t *testing.T, st network.Stream) {
		if err := wire.WriteMessage(st, &wire.Version{Protocol: wire.ProtocolVersion, Genesis: a.Chain.Genesis(), BestHeight: height, BestHash: tip, TotalWork: work}); err != nil {
			t.Fatal(err)
		}
		if err := wire.WriteMessage(st, &wire.Verack{}); err != nil {
			t.Fatal(err)
		}
	}
	cases := map[string]func(t *testing.T, st network.Stream){
		"garbage": func(t *testing.T, st network.Stream) {
			st.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		},
		"oversize frame": func(t *testing.T, st network.Stream) {
			st.Write(oversize)
		},
		"invalid block": func(t *testing.T, st network.Stream) {
			handshake(t, st)
			if err := wire.WriteMessage(st, &wire.Block{Block: bad}); err != nil {
				t.Fatal(err)
			}
		},
		"undecodable block": func(t *testing.T, st network.Stream) {
			handshake(t, st)
			junk := append(binary.BigEndian.AppendUint32(nil, 6), "\x00block"...)
			frame := make([]byte, wire.HeaderSize)
			copy(frame, wire.CmdBlock)
			binary.BigEndian.PutUint32(frame[wire.CommandSize:], uint32(len(junk)))
			st.Write(append(frame, junk...))
		},
		"garbage after handshake": func(t *testing.T, st network.Stream) {
			handshake(t, st)
			st.Write(append(oversize[:wire.CommandSize:wire.CommandSize], 0xff, 0xff, 0xff, 0xff))
		},
	}
	for name, send := range cases {
		t.Run(name, func(t *testing.T) {
			before := a.Sync.Rejects.Load()
			h, st := rawPeer(t, a)
			send(t, st)
			waitFor(t, 15*time.Second, "the node to drop the peer", func() bool {
				return h.Network().Connectedness(a.Host.ID()) != network.Connected
			})
			if a.Gater.Allowed(h.ID()) {
				t.Error("misbehaving peer not banned")
			}
			if a.Sync.Rejects.Load() <= before {
				t.Error("rejects counter did not move")
			}
		})
	}
	if s := a.status(t); s.Height != 1 || s.Peers != 0 {
		t.Fatalf("node after the attacks: height %d, peers %d; want 1, 0", s.Height, s.Peers)
	}
}
