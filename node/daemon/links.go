package daemon

import (
	"fmt"
	"slices"
	"strings"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/shaping"
)

// SetLinks is POST /admin/links: it replaces the rules of single peers
// (and the default, when given) and returns the rules in force.
func (n *Node) SetLinks(l controlapi.Links) (controlapi.Links, error) {
	def, _ := n.Sync.Links()
	if l.Default != nil {
		r, err := shaping.Parse(*l.Default)
		if err != nil {
			return controlapi.Links{}, fmt.Errorf("%w: default: %v", controlapi.ErrBadRequest, err)
		}
		def = r
	}
	per := make(map[peer.ID]shaping.Rule, len(l.Rules))
	for i, lr := range l.Rules {
		id, err := peer.Decode(lr.Peer)
		if err != nil {
			return controlapi.Links{}, fmt.Errorf("%w: rules[%d]: peer ID %q: %v", controlapi.ErrBadRequest, i, lr.Peer, err)
		}
		if _, dup := per[id]; dup {
			return controlapi.Links{}, fmt.Errorf("%w: rules[%d]: a second rule for peer %s", controlapi.ErrBadRequest, i, id)
		}
		r, err := shaping.Parse(lr.Rule)
		if err != nil {
			return controlapi.Links{}, fmt.Errorf("%w: rules[%d]: %v", controlapi.ErrBadRequest, i, err)
		}
		per[id] = r
	}
	if err := n.Sync.SetLinks(def, per); err != nil {
		return controlapi.Links{}, fmt.Errorf("%w: %v", controlapi.ErrBadRequest, err)
	}
	return n.links(), nil
}

// CheckUTXOs is GET /admin/utxo-check.
func (n *Node) CheckUTXOs() (controlapi.UTXOCheck, error) {
	c, err := n.Chain.CheckUTXOs()
	if err != nil {
		return controlapi.UTXOCheck{}, fmt.Errorf("%w: %v", controlapi.ErrUnavailable, err)
	}
	sum := func(s blockchain.UTXOSummary) controlapi.UTXOSummary {
		return controlapi.UTXOSummary{Count: s.Count, Total: s.Total, Digest: s.Digest.String()}
	}
	return controlapi.UTXOCheck{Height: c.Height, Tip: c.Tip.String(), Stored: sum(c.Stored), Rebuilt: sum(c.Rebuilt), MaxSupply: c.MaxSupply}, nil
}

// links are the rules in force, as the API shows them (rules by peer ID).
func (n *Node) links() controlapi.Links {
	def, per := n.Sync.Links()
	d := def.String()
	out := controlapi.Links{Default: &d, Rules: make([]controlapi.LinkRule, 0, len(per))}
	for id, r := range per {
		out.Rules = append(out.Rules, controlapi.LinkRule{Peer: id.String(), Rule: r.String()})
	}
	slices.SortFunc(out.Rules, func(a, b controlapi.LinkRule) int { return strings.Compare(a.Peer, b.Peer) })
	return out
}
