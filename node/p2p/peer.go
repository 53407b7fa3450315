package p2p

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/shaping"
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

	// link shapes what is sent to the peer (its rule may be the zero
	// Rule); every frame is stamped with its due time when queued.
	link *shaping.Link
	lost *atomic.Uint64 // Counters.GossipLost

	mu     sync.Mutex
	frames []outFrame
	queued int            // bytes in frames and in the writer's hands
	invs   []wire.InvVect // coalesced announcements, sent as one inv
	invDue time.Time      // the due time of the first of invs
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

	// Link figures for the API: the last ping's round trip, the pongs
	// counted, the bytes written to and read from the stream.
	rtt      atomic.Int64 // nanoseconds; 0 before the first pong
	pongs    atomic.Uint64
	sent     atomic.Uint64
	received atomic.Uint64
}

// outFrame is one encoded message waiting to be written, and when it may
// leave under the link's rule (zero: at once).
type outFrame struct {
	b   []byte
	due time.Time
}

func newPeerConn(s network.Stream, link *shaping.Link, lost *atomic.Uint64) *peerConn {
	return &peerConn{
		id:     s.Conn().RemotePeer(),
		stream: s,
		link:   link,
		lost:   lost,
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
	p.frames = append(p.frames, outFrame{b: frame, due: p.link.Due(time.Now())})
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
		p.queueInvLocked(it)
		added = true
	}
	p.mu.Unlock()
	if added {
		p.signal()
	}
}

// announceAgain queues an announcement the peer may have lost (gossip on
// a lossy link), whether or not it was announced before.
func (p *peerConn) announceAgain(it wire.InvVect) {
	p.mu.Lock()
	p.queueInvLocked(it)
	p.mu.Unlock()
	p.signal()
}

func (p *peerConn) queueInvLocked(it wire.InvVect) {
	if len(p.invs) == 0 {
		p.invDue = p.link.Due(time.Now())
	}
	p.invs = append(p.invs, it)
}

// pong records the round trip of one of our pings, whose nonce is the
// time it was queued (a peer echoing something else only skews its own
// figure).
func (p *peerConn) pong(nonce uint64) {
	rtt := time.Duration(time.Now().UnixNano() - int64(nonce))
	if rtt > 0 && rtt < time.Hour {
		p.rtt.Store(int64(rtt))
		p.pongs.Add(1)
	}
}

// ping queues a ping whose pong measures the round trip.
func (p *peerConn) ping() error {
	return p.send(&wire.Ping{Nonce: uint64(time.Now().UnixNano())})
}

// counted counts the bytes read from the peer's stream.
type counted struct {
	r io.Reader
	n *atomic.Uint64
}

func (c counted) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(uint64(n))
	return n, err
}

// setReady marks the handshake complete and lets the announcements
// queued meanwhile go out.
func (p *peerConn) setReady() {
	p.mu.Lock()
	p.ready = true
	p.mu.Unlock()
	p.signal()
}

func (p *peerConn) isReady() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ready
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
// read deadline does not expire on a quiet but healthy link. Each frame
// leaves when the link's rule lets it; the write deadline covers one
// write, not the wait.
func (p *peerConn) writeLoop(pingEvery, writeTimeout time.Duration) error {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-p.done
		cancel()
	}()
	write := func(b []byte) error {
		_ = p.stream.SetWriteDeadline(time.Now().Add(writeTimeout))
		n, err := p.stream.Write(b)
		p.sent.Add(uint64(n))
		if err != nil {
			return fmt.Errorf("write to %s: %w", p.id, err)
		}
		return nil
	}
	for {
		select {
		case <-p.done:
			return nil
		case <-ping.C:
			if err := p.ping(); err != nil {
				return err
			}
			continue
		case <-p.wake:
		}
		for {
			frames, err := p.take()
			if err != nil {
				return err
			}
			if len(frames) == 0 {
				break
			}
			for _, f := range frames {
				if err := p.link.Send(ctx, f.due, f.b, write); err != nil {
					if ctx.Err() != nil {
						return nil // closed while the frame waited
					}
					return err
				}
				p.mu.Lock()
				p.queued -= len(f.b)
				p.mu.Unlock()
			}
		}
	}
}

// take hands the writer what is queued: the frames, then the pending
// announcements as one inv once the handshake is done, less the
// announcements the link loses.
func (p *peerConn) take() ([]outFrame, error) {
	p.mu.Lock()
	frames := p.frames
	p.frames = nil
	var invs []wire.InvVect
	due := p.invDue
	if p.ready {
		invs = p.invs
		if len(invs) > wire.MaxInvItems {
			invs, p.invs = invs[:wire.MaxInvItems], invs[wire.MaxInvItems:]
			p.invDue = due
		} else {
			p.invs = nil
		}
	}
	p.mu.Unlock()
	if p.link.Lossy() {
		kept := invs[:0:0]
		for _, it := range invs {
			if p.link.Lost() {
				p.lost.Add(1)
			} else {
				kept = append(kept, it)
			}
		}
		invs = kept
	}
	if len(invs) > 0 {
		frame, err := wire.Encode(&wire.Inv{Items: invs})
		if err != nil {
			return nil, err
		}
		p.mu.Lock()
		p.queued += len(frame)
		p.mu.Unlock()
		frames = append(frames, outFrame{b: frame, due: due})
	}
	return frames, nil
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
