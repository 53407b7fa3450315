package p2p

import (
	"fmt"
	"time"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Per-peer relay limits. What a peer announces costs us memory until we
// have fetched it, and what we ask of it costs a slot that only its answer
// frees, so both are bounded per peer: a flood fills one peer's quota and
// never the node's memory, and an unanswered request never blocks what the
// other peers offer.
const (
	// maxPeerInFlight bounds the getdata items awaiting one peer's answer:
	// two getblocks batches, so a sync can have the next batch asked while
	// the previous one is still arriving.
	maxPeerInFlight = 2 * MaxBlocksPerInv
	// maxPeerAnnounced bounds the announced items remembered per peer and
	// not yet asked for (bitcoind's MAX_PEER_TX_ANNOUNCEMENTS): an honest
	// peer announces each item once and answers, so its queue drains.
	maxPeerAnnounced = 5000
)

// Misbehaviour scores, bitcoind style: a peer is banned when its score
// reaches banScore. Only protocol violations score; slowness and timeouts
// only re-route requests, so a slow link or a paused peer is never banned.
const (
	banScore = 100
	// floodScore is added for each announcement that overflows the
	// remembered quota: five such invs ban (bitcoind scores an oversized
	// inv 20).
	floodScore = 20
	// unrequestedScore is added for each block nobody asked for that the
	// chain would not store (its branch has no more work than our tip):
	// ten ban. Honest peers relay blocks by inv and send them when asked.
	unrequestedScore = 10
)

// request is one getdata item awaiting an answer.
type request struct {
	from  peer.ID
	at    time.Time
	block bool
}

// have says whether the node already holds an announced item.
func (s *Sync) have(it wire.InvVect) bool {
	if it.Type == wire.InvBlock {
		return s.cfg.Chain.HasBlock(chain.Hash(it.Hash))
	}
	return s.cfg.Pool.Has(chain.Hash(it.Hash))
}

// wantLocked takes an item p announced and we lack (s.mu held): asked at
// once when nobody is fetching it and p has a free slot, else remembered
// until one of those holds. overflow: p's queue was full, the item is
// dropped.
func (s *Sync) wantLocked(p *peerConn, it wire.InvVect, now time.Time) (ask, overflow bool) {
	h := chain.Hash(it.Hash)
	if _, ok := p.asked[h]; ok {
		return false, false
	}
	if _, ok := p.pendingSet[h]; ok {
		return false, false
	}
	if _, busy := s.inflight[h]; !busy && len(p.asked) < maxPeerInFlight {
		s.askLocked(p, it, now)
		return true, false
	}
	if len(p.pending) >= maxPeerAnnounced {
		return false, true
	}
	p.pending = append(p.pending, it)
	p.pendingSet[h] = struct{}{}
	if it.Type == wire.InvBlock {
		p.pendingBlock++
	}
	return false, false
}

func (s *Sync) askLocked(p *peerConn, it wire.InvVect, now time.Time) {
	h := chain.Hash(it.Hash)
	block := it.Type == wire.InvBlock
	s.inflight[h] = request{from: p.id, at: now, block: block}
	p.asked[h] = block
	if block {
		p.askedBlock++
	}
}

// answeredLocked records that p sent h (or said it has not got it) and
// says whether we had asked p for it, a request that expired included.
func (s *Sync) answeredLocked(p *peerConn, h chain.Hash) (requested bool) {
	if block, ok := p.asked[h]; ok {
		delete(p.asked, h)
		if block {
			p.askedBlock--
		}
		p.lastAnswer = time.Now()
		requested = true
	} else if p.late.has(h) {
		requested = true
	}
	if r, ok := s.inflight[h]; ok && r.from == p.id {
		delete(s.inflight, h)
	}
	return requested
}

// answered is answeredLocked taking the lock.
func (s *Sync) answered(p *peerConn, h chain.Hash) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answeredLocked(p, h)
}

// pump asks each peer for the items it announced that nobody is fetching
// any more, within its free slots, and sends a sync peer whose queue
// drained the getblocks it deferred.
func (s *Sync) pump() {
	type out struct {
		p     *peerConn
		items []wire.InvVect
		next  *wire.Hash
	}
	var outs []out
	now := time.Now()
	s.mu.Lock()
	for _, p := range s.peers {
		var o out
		if len(p.asked) >= maxPeerInFlight {
			continue // no free slot: its queue waits (a flooder's stays full)
		}
		kept := p.pending[:0]
		for i, it := range p.pending {
			if len(p.asked) >= maxPeerInFlight {
				kept = append(kept, p.pending[i:]...)
				break
			}
			h := chain.Hash(it.Hash)
			if _, busy := s.inflight[h]; busy {
				kept = append(kept, it)
				continue
			}
			delete(p.pendingSet, h)
			if it.Type == wire.InvBlock {
				p.pendingBlock--
			}
			if s.have(it) {
				continue
			}
			s.askLocked(p, it, now)
			o.items = append(o.items, it)
		}
		clear(p.pending[len(kept):])
		p.pending = kept
		if p.pendingBlock == 0 && p.syncNext != nil && s.syncPeer == p.id {
			o.next, p.syncNext = p.syncNext, nil
			p.getblocks++
			s.syncAt = now
		}
		if len(o.items) > 0 || o.next != nil {
			o.p = p
			outs = append(outs, o)
		}
	}
	s.mu.Unlock()
	for _, o := range outs {
		if len(o.items) > 0 {
			_ = o.p.send(&wire.GetData{Items: o.items})
		}
		if o.next != nil {
			_ = o.p.send(&wire.GetBlocks{Locator: []wire.Hash{*o.next, s.genesis}})
		}
	}
}

// maxRequestAge, in RequestTimeouts, is how long one request may wait
// while its peer delivers other things: enough for a slow link to work
// through a full maxPeerInFlight batch, but a peer that answers everything
// except one item cannot hold that item (and a sync waiting on it) for
// ever.
const maxRequestAge = 4

// expire forgets the requests of peers that delivered nothing for a
// RequestTimeout (or left one unanswered for maxRequestAge of them), so
// other peers that announced them are asked instead, and takes the sync
// role from a peer that left a getblocks unanswered as long. No score: the
// peer may be slow, not hostile.
func (s *Sync) expire(now time.Time) {
	timeout := s.cfg.RequestTimeout
	s.mu.Lock()
	for h, r := range s.inflight {
		p := s.peers[r.from]
		if p == nil {
			delete(s.inflight, h)
			continue
		}
		progress := r.at
		if p.lastAnswer.After(progress) {
			progress = p.lastAnswer
		}
		if now.Sub(progress) < timeout && now.Sub(r.at) < maxRequestAge*timeout {
			continue
		}
		delete(s.inflight, h)
		if block, ok := p.asked[h]; ok {
			delete(p.asked, h)
			if block {
				p.askedBlock--
			}
		}
		p.late.add(h)
		if r.block && s.syncPeer == p.id {
			s.setSyncPeerLocked("")
		}
	}
	if p := s.peers[s.syncPeer]; p != nil && p.getblocks > 0 && now.Sub(s.syncAt) >= timeout {
		p.getblocks, p.syncNext = 0, nil
		p.syncStall = now.Add(timeout)
		s.setSyncPeerLocked("")
	}
	s.mu.Unlock()
}

// penalize adds to p's misbehaviour score; the error (errMisbehaving) ends
// p's stream with a ban once the score reaches banScore.
func (s *Sync) penalize(p *peerConn, score int, why string) error {
	s.mu.Lock()
	p.score += score
	total := p.score
	s.mu.Unlock()
	s.cfg.Log.Debug("peer misbehaviour", "peer", p.id, "score", total, "why", why)
	if total >= banScore {
		return fmt.Errorf("%w: score %d: %s", errMisbehaving, total, why)
	}
	return nil
}

// hashRing is a bounded set that forgets its oldest members.
type hashRing struct {
	max  int
	m    map[chain.Hash]struct{}
	ring []chain.Hash
	next int
}

func newHashRing(n int) *hashRing {
	return &hashRing{max: n, m: map[chain.Hash]struct{}{}}
}

func (r *hashRing) has(h chain.Hash) bool { _, ok := r.m[h]; return ok }

func (r *hashRing) add(h chain.Hash) {
	if r.has(h) {
		return
	}
	if len(r.ring) < r.max {
		r.ring = append(r.ring, h)
	} else {
		delete(r.m, r.ring[r.next])
		r.ring[r.next] = h
		r.next = (r.next + 1) % len(r.ring)
	}
	r.m[h] = struct{}{}
}
