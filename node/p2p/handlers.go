package p2p

import (
	"errors"
	"fmt"
	"time"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/wire"
)

// handle dispatches one message from a peer that completed the handshake.
// An error ends the stream; one wrapping errMisbehaving also bans the peer.
func (s *Sync) handle(p *peerConn, m wire.Message) error {
	switch m := m.(type) {
	case *wire.Version, *wire.Verack:
		return fmt.Errorf("%w: %s after the handshake", errMisbehaving, m.Command())
	case *wire.Ping:
		return p.send(&wire.Pong{Nonce: m.Nonce})
	case *wire.Pong:
		p.pong(m.Nonce)
		return nil
	case *wire.Inv:
		return s.onInv(p, m)
	case *wire.GetData:
		return s.onGetData(p, m)
	case *wire.NotFound:
		s.mu.Lock()
		for _, it := range m.Items {
			s.answeredLocked(p, it.Hash)
		}
		s.mu.Unlock()
		s.pump()
		s.maybeSync()
		return nil
	case *wire.GetBlocks:
		return s.onGetBlocks(p, m)
	case *wire.Block:
		return s.onBlock(p, m)
	case *wire.Tx:
		return s.onTx(p, m)
	case *wire.Reject:
		s.cfg.Log.Debug("peer rejected", "peer", p.id, "msg", m.Message, "code", m.Code, "reason", m.Reason)
		return nil
	}
	return fmt.Errorf("%w: unexpected %s", errMisbehaving, m.Command())
}

// onInv asks for announced blocks and transactions we lack and nobody is
// fetching yet, within the peer's quotas (requests.go); announcements past
// its remembered quota are dropped and score as a flood. An answer to our
// getblocks is never scored: it is bounded by MaxBlocksPerInv. A full
// batch is followed by the next getblocks as soon as the peer's queue is
// empty, so the hashes of a long sync are pipelined with the blocks.
func (s *Sync) onInv(p *peerConn, m *wire.Inv) error {
	var lacking []wire.InvVect
	blocks, fresh := 0, 0
	var last wire.Hash
	for _, it := range m.Items {
		p.markKnown(it.Hash)
		if it.Type == wire.InvBlock {
			blocks++
			last = it.Hash
		}
		if s.have(it) {
			continue
		}
		s.arrivals.announcedNow(it.Hash)
		if it.Type == wire.InvBlock {
			fresh++
		}
		lacking = append(lacking, it)
	}
	var want []wire.InvVect
	overflow := 0
	now := time.Now()
	s.mu.Lock()
	// An answer we did not ask for is an announcement like any other.
	answer := m.Answer && p.getblocks > 0
	if answer {
		p.getblocks--
		if s.syncPeer == p.id {
			s.syncAt = now
		}
	}
	for _, it := range lacking {
		ask, over := s.wantLocked(p, it, now)
		if ask {
			want = append(want, it)
		}
		if over {
			overflow++
		}
	}
	s.mu.Unlock()
	if len(want) > 0 {
		if err := p.send(&wire.GetData{Items: want}); err != nil {
			return err
		}
	}
	if !answer {
		if overflow > 0 {
			return s.penalize(p, floodScore, fmt.Sprintf("%d announcements past the %d remembered", overflow, maxPeerAnnounced))
		}
		return nil
	}
	if blocks == MaxBlocksPerInv {
		// Only the sync peer streams the rest, so blocks keep arriving
		// parent-first instead of racing in from several peers.
		s.mu.Lock()
		if s.syncPeer == "" {
			s.setSyncPeerLocked(p.id)
		}
		mine := s.syncPeer == p.id
		next := mine && p.pendingBlock == 0
		if next {
			p.getblocks++
			s.syncAt = now
		} else if mine {
			p.syncNext = &last // pump sends it once the queue drained
		}
		s.mu.Unlock()
		if next {
			return p.send(&wire.GetBlocks{Locator: []wire.Hash{last, s.genesis}})
		}
		return nil
	}
	// The batch is complete: the peer has nothing more past what it sent.
	s.mu.Lock()
	if fresh == 0 {
		p.work.SetInt64(0)
	}
	p.orphaned = false
	if s.syncPeer == p.id {
		s.setSyncPeerLocked("")
	}
	s.mu.Unlock()
	s.maybeSync()
	return nil
}

// onGetData serves blocks and transactions in the order asked (a batch of
// blocks goes parent-first) and names what we do not have.
func (s *Sync) onGetData(p *peerConn, m *wire.GetData) error {
	var missing []wire.InvVect
	for _, it := range m.Items {
		h := chain.Hash(it.Hash)
		var msg wire.Message
		switch it.Type {
		case wire.InvBlock:
			if b, err := s.cfg.Chain.Block(h); err == nil {
				msg = &wire.Block{Block: b}
			}
		case wire.InvTx:
			if tx := s.cfg.Pool.Get(h); tx != nil {
				msg = &wire.Tx{Tx: tx}
			}
		}
		if msg == nil {
			missing = append(missing, it)
			continue
		}
		p.markKnown(it.Hash)
		if err := p.send(msg); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		return p.send(&wire.NotFound{Items: missing})
	}
	return nil
}

// onGetBlocks answers with the main-chain hashes after the locator, always
// (an empty inv tells the peer it is up to date).
func (s *Sync) onGetBlocks(p *peerConn, m *wire.GetBlocks) error {
	loc := make([]chain.Hash, len(m.Locator))
	for i, h := range m.Locator {
		loc[i] = h
	}
	hashes := s.cfg.Chain.HashesAfter(loc, MaxBlocksPerInv)
	inv := &wire.Inv{Answer: true, Items: make([]wire.InvVect, 0, len(hashes))}
	for _, h := range hashes {
		inv.Items = append(inv.Items, wire.InvVect{Type: wire.InvBlock, Hash: h})
		p.markKnown(h)
		if h == chain.Hash(m.Stop) {
			break
		}
	}
	return p.send(inv)
}

// onBlock processes a block (undecodable ones were refused by the wire
// decoder). An invalid block earns a ban; an orphan makes us ask the peer
// for its missing ancestors.
func (s *Sync) onBlock(p *peerConn, m *wire.Block) error {
	b := m.Block
	h := b.Hash()
	p.markKnown(h)
	s.mu.Lock()
	requested := s.answeredLocked(p, h)
	if requested && s.syncPeer == p.id {
		s.syncAt = time.Now()
	}
	s.mu.Unlock()
	defer s.pump() // once the block is in, the peers' queues skip it
	s.BlocksReceived.Add(1)
	process := s.cfg.Chain.ProcessBlock
	if !requested {
		process = s.cfg.Chain.ProcessUnsolicited
	}
	res, err := process(b)
	switch {
	case errors.Is(err, chain.ErrInvalid):
		_ = p.send(&wire.Reject{Message: wire.CmdBlock, Code: wire.RejectInvalid, Reason: err.Error(), Hash: h})
		return fmt.Errorf("%w: block %s: %v", errMisbehaving, h, err)
	case err != nil:
		s.cfg.Log.Error("processing block", "block", h, "peer", p.id, "err", err)
		return nil
	case res.Status == blockchain.NotStored:
		if !requested {
			return s.penalize(p, unrequestedScore, fmt.Sprintf("unrequested block %s with no more work than our tip", h))
		}
		return nil
	case res.Status == blockchain.Orphan:
		// While another peer streams the chain, its batches bring the
		// parent; asking this peer too would interleave two streams and
		// overflow the orphan pool.
		s.mu.Lock()
		if s.syncPeer == "" {
			s.setSyncPeerLocked(p.id)
		}
		ask := s.syncPeer == p.id
		if !ask {
			p.orphaned = true // ask it once the current sync is done
		}
		s.mu.Unlock()
		if ask {
			s.getBlocks(p)
		}
		return nil
	}
	s.maybeSync()
	return nil
}

// onTx offers a transaction to the mempool and relays it when accepted.
// An invalid tx is refused but not banned: a double-spend can be an honest
// race between two nodes.
func (s *Sync) onTx(p *peerConn, m *wire.Tx) error {
	tx := m.Tx
	id := tx.ID()
	p.markKnown(id)
	s.answered(p, id)
	defer s.pump()
	s.TxsReceived.Add(1)
	if err := s.SubmitTx(tx); err != nil {
		if chain.RuleOf(err) == chain.RuleMissingInput && s.cfg.Pool.KeepOrphan(tx) {
			// Its parent or the block it spends from may still be on its way.
			s.cfg.Log.Debug("tx kept as an orphan", "tx", id, "peer", p.id, "err", err)
			return nil
		}
		s.Rejects.Add(1)
		s.cfg.Log.Debug("tx refused", "tx", id, "peer", p.id, "err", err)
		return p.send(&wire.Reject{Message: wire.CmdTx, Code: wire.RejectInvalid, Reason: err.Error(), Hash: id})
	}
	return nil
}
