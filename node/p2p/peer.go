package p2p

import (
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/wire"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// maxQueuedBytes bounds what may wait to be written to one peer: a peer
// that does not read is disconnected rather than allowed to fill memory.
const maxQueuedBytes = 64 << 20

// maxKnown bounds the per-peer set of inventory the peer is known to have.
const maxKnown = 20000

var errSlowPeer = errors.New("peer does not read: send queue full")

// peerConn is the one sync stream with one peer. Its reader runs in the
// goroutine that handles the peer's messages; everything it sends goes
// through a queue drained by a writer goroutine, so handling a message
// never blocks on the network (two nodes serving each other cannot
// deadlock).
type peerConn struct {
	id     peer.ID
	stream network.Stream
	dir    network.Direction

	mu     sync.Mutex
	frames [][]byte
	queued int
	invs   []wire.InvVect // coalesced announcements, sent as one inv
	// ready: the handshake completed. Announcements made before wait in
	// invs until then (an inv before the verack breaks the protocol, and
	// one dropped would leave the peer believing the tip our version
	// named).
	ready   bool
	known   map[wire.Hash]struct{}
	closed  bool
	wake    chan struct{}
	done    chan struct{}
	version *wire.Version
	work    *big.Int // best work the peer claimed; zeroed once it has nothing new
	// orphaned: the peer sent a block whose ancestors we have not asked it
	// for (another peer was syncing us). Guarded by Sync.mu.
	orphaned bool

	// Request bookkeeping, guarded by Sync.mu (requests.go).
	asked        map[chain.Hash]bool // getdata items awaiting its answer: true for a block
	askedBlock   int                 // how many of asked are blocks
	late         *hashRing           // requests that expired: their answer is still welcome
	pending      []wire.InvVect      // announced, lacked, not yet asked (another peer has them in flight, or asked is full)
	pendingSet   map[chain.Hash]struct{}
	pendingBlock int        // how many of pending are blocks
	lastAnswer   time.Time  // when it last delivered something we asked for
	getblocks    int        // getblocks sent and not yet answered
	syncNext     *wire.Hash // a full batch's last hash: the next getblocks waits until pending drains
	syncStall    time.Time  // until then it is not picked to sync from: it left a getblocks unanswered
	score        int        // misbehaviour; banScore bans
}

func newPeerConn(s network.Stream) *peerConn {
	return &peerConn{
		id:     s.Conn().RemotePeer(),
		stream: s,
		dir:    s.Conn().Stat().Direction,
		known:  map[wire.Hash]struct{}{},
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		work:   new(big.Int),

		asked:      map[chain.Hash]bool{},
		late:       newHashRing(maxPeerInFlight),
		pendingSet: map[chain.Hash]struct{}{},
		lastAnswer: time.Now(),
	}
}

// send queues a message; it never blocks.
func (p *peerConn) send(m wire.Message) error {
	frame, err := wire.Encode(m)
	if err != nil {
		return err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	if p.queued+len(frame) > maxQueuedBytes {
		p.mu.Unlock()
		p.close()
		return fmt.Errorf("peer %s: %w", p.id, errSlowPeer)
	}
	p.frames = append(p.frames, frame)
	p.queued += len(frame)
	p.mu.Unlock()
	p.signal()
	return nil
}

// announce queues inventory unless the peer is known to have it; before
// the handshake completed it is held until then (setReady).
func (p *peerConn) announce(items []wire.InvVect) {
	p.mu.Lock()
	added := false
	for _, it := range items {
		if _, ok := p.known[it.Hash]; ok {
			continue
		}
		p.markKnownLocked(it.Hash)
		p.invs = append(p.invs, it)
		added = true
	}
	p.mu.Unlock()
	if added {
		p.signal()
	}
}

// setReady marks the handshake complete and lets the announcements
// queued meanwhile go out.
func (p *peerConn) setReady() {
	p.mu.Lock()
	p.ready = true
	p.mu.Unlock()
	p.signal()
}

func (p *peerConn) markKnown(h wire.Hash) {
	p.mu.Lock()
	p.markKnownLocked(h)
	p.mu.Unlock()
}

func (p *peerConn) markKnownLocked(h wire.Hash) {
	if len(p.known) >= maxKnown {
		clear(p.known)
	}
	p.known[h] = struct{}{}
}

func (p *peerConn) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// writeLoop drains the queue and pings the peer when idle so the peer's
// read deadline does not expire on a quiet but healthy link.
func (p *peerConn) writeLoop(pingEvery, writeTimeout time.Duration) error {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-p.done:
			return nil
		case <-ping.C:
			if err := p.send(&wire.Ping{Nonce: uint64(time.Now().UnixNano())}); err != nil {
				return err
			}
			continue
		case <-p.wake:
		}
		for {
			p.mu.Lock()
			frames := p.frames
			p.frames, p.queued = nil, 0
			var invs []wire.InvVect
			if p.ready {
				invs = p.invs
				if len(invs) > wire.MaxInvItems {
					invs, p.invs = invs[:wire.MaxInvItems], invs[wire.MaxInvItems:]
				} else {
					p.invs = nil
				}
			}
			p.mu.Unlock()
			if len(invs) > 0 {
				frame, err := wire.Encode(&wire.Inv{Items: invs})
				if err != nil {
					return err
				}
				frames = append(frames, frame)
			}
			if len(frames) == 0 {
				break
			}
			_ = p.stream.SetWriteDeadline(time.Now().Add(writeTimeout))
			for _, f := range frames {
				if _, err := p.stream.Write(f); err != nil {
					return fmt.Errorf("write to %s: %w", p.id, err)
				}
			}
		}
	}
}

// close ends the stream; safe to call more than once.
func (p *peerConn) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.frames, p.invs = nil, nil
	p.mu.Unlock()
	close(p.done)
	_ = p.stream.Reset()
}
