package p2p

import (
	"fmt"
	"maps"

	"github.com/devchain/devchain/node/shaping"
	"github.com/devchain/devchain/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
)

// MaxLinkRules bounds the rules of single peers a node keeps.
const MaxLinkRules = 1024

// SetLinks replaces the link rules: def for every peer without a rule of
// its own in perPeer. Connected peers switch at once (what is queued keeps
// its due time) and are pinged, so Peers soon shows the round trip under
// the new rule. Every rule is validated first; on an error nothing changes.
func (s *Sync) SetLinks(def shaping.Rule, perPeer map[peer.ID]shaping.Rule) error {
	if err := def.Validate(); err != nil {
		return fmt.Errorf("default link rule: %w", err)
	}
	if len(perPeer) > MaxLinkRules {
		return fmt.Errorf("%d link rules, at most %d", len(perPeer), MaxLinkRules)
	}
	for id, r := range perPeer {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("link rule for %s: %w", id, err)
		}
	}
	s.linkMu.Lock()
	s.linkDef, s.linkPeer = def, maps.Clone(perPeer)
	s.linkMu.Unlock()
	s.mu.Lock()
	peers := s.peerListLocked()
	s.mu.Unlock()
	for _, p := range peers {
		p.link.Set(s.linkRule(p.id))
		// A peer still in its handshake is not pinged: anything but a
		// verack there breaks the protocol. It pings once connected.
		if p.isReady() {
			_ = p.ping()
		}
	}
	return nil
}

// Links returns the rules SetLinks set.
func (s *Sync) Links() (def shaping.Rule, perPeer map[peer.ID]shaping.Rule) {
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	return s.linkDef, maps.Clone(s.linkPeer)
}

// linkRule is the rule of the link to id.
func (s *Sync) linkRule(id peer.ID) shaping.Rule {
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	if r, ok := s.linkPeer[id]; ok {
		return r
	}
	return s.linkDef
}

// reannounceTip offers our tip again to the peers on lossy links: a lost
// announcement of the last block would otherwise leave such a peer behind
// until the next block.
func (s *Sync) reannounceTip() {
	tip, _, _ := s.cfg.Chain.Tip()
	s.mu.Lock()
	var lossy []*peerConn
	for _, p := range s.peers {
		if p.version != nil && p.link.Lossy() {
			lossy = append(lossy, p)
		}
	}
	s.mu.Unlock()
	for _, p := range lossy {
		p.announceAgain(wire.InvVect{Type: wire.InvBlock, Hash: tip})
	}
}
