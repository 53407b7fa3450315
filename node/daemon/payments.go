package daemon

import (
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
)

// paymentDepth is how deep under the tip the block holding a payment the
// node accepted must lie before the node forgets the payment. Until then
// a reorg may disconnect that block and return the payment to the
// mempool, where a kill would lose it; reorgs as deep as bitcoind's
// coinbase maturity, also 100, are not expected.
const paymentDepth = 100

// payments are the payments this node accepted from its control API (POST
// /tx and /tx/raw): each is recorded in the chain database before the API
// answers, so a node stopped or killed before the payment reached a peer
// still holds it when it starts again, pools it and offers it to every
// peer it meets. The node forgets a payment once it is buried
// paymentDepth blocks deep, or when it can no longer confirm (it conflicts
// with the chain).
type payments struct {
	mu sync.Mutex
	// at is each kept payment's height on the main chain, 0 while it is
	// unconfirmed.
	at map[chain.Hash]uint64
}

// accept pools a payment the API received, relays it, and records it
// before it returns: a payment the API acknowledged is never lost.
func (n *Node) accept(tx *chain.Tx) error {
	id := tx.ID()
	// Tracked before it is pooled, so a block mined on it at once finds it.
	n.payments.track(id)
	if err := n.Sync.SubmitTx(tx); err != nil {
		n.payments.drop(id)
		return err
	}
	if err := n.Chain.KeepPayment(tx, time.Now().UnixNano()); err != nil {
		n.payments.drop(id)
		return err
	}
	return nil
}

func (ps *payments) track(id chain.Hash) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.at == nil {
		ps.at = map[chain.Hash]uint64{}
	}
	if _, ok := ps.at[id]; !ok {
		ps.at[id] = 0
	}
}

func (ps *payments) drop(id chain.Hash) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	delete(ps.at, id)
}

// restorePayments runs at start, before the node meets a peer: the kept
// payments the last paymentDepth blocks confirm are tracked at their
// height; the others go back into the mempool, or are forgotten when the
// chain refuses them (they conflict with it, or confirmed deeper).
func (n *Node) restorePayments() error {
	kept, err := n.Chain.Payments()
	if err != nil || len(kept) == 0 {
		return err
	}
	at := map[chain.Hash]uint64{}
	for _, p := range kept {
		at[p.ID] = 0
	}
	tip := n.Chain.Height()
	for h := tip; h > 0 && tip-h < paymentDepth; h-- {
		b, err := n.Chain.BlockAt(h)
		if err != nil {
			return err
		}
		for _, tx := range b.Txs {
			if _, ok := at[tx.ID()]; ok {
				at[tx.ID()] = h
			}
		}
	}
	var forget []chain.Hash
	pooled := 0
	for _, p := range kept {
		switch {
		case p.Err != nil:
			n.cfg.Log.Warn("kept payment damaged, forgotten", "err", p.Err)
		case at[p.ID] > 0:
			continue
		default:
			_, err := n.Pool.Add(p.Tx)
			if err == nil {
				pooled++
				continue
			}
			if !errors.Is(err, chain.ErrInvalid) {
				// A policy refusal (a full pool): keep it for the next start.
				n.cfg.Log.Warn("kept payment not pooled", "tx", p.ID, "err", err)
				continue
			}
			n.cfg.Log.Info("kept payment can no longer confirm, forgotten", "tx", p.ID, "err", err)
		}
		delete(at, p.ID)
		forget = append(forget, p.ID)
	}
	n.payments.at = at
	n.cfg.Log.Info("kept payments restored", "pooled", pooled, "confirmed", len(at)-pooled, "forgotten", len(forget))
	return n.Chain.ForgetPayments(forget)
}

// followPayments keeps the kept payments' heights in step with a chain
// event and forgets those now buried paymentDepth deep.
func (n *Node) followPayments(ev blockchain.Event) {
	ps := &n.payments
	ps.mu.Lock()
	if len(ps.at) == 0 {
		ps.mu.Unlock()
		return
	}
	for _, b := range ev.Disconnected {
		for _, tx := range b.Txs {
			if _, ok := ps.at[tx.ID()]; ok {
				ps.at[tx.ID()] = 0
			}
		}
	}
	for _, b := range ev.Connected {
		for _, tx := range b.Txs {
			if _, ok := ps.at[tx.ID()]; ok {
				ps.at[tx.ID()] = b.Header.Height
			}
		}
	}
	tip := n.Chain.Height()
	var buried []chain.Hash
	for id, h := range ps.at {
		if h > 0 && tip >= h+paymentDepth-1 {
			buried = append(buried, id)
		}
	}
	for _, id := range buried {
		delete(ps.at, id)
	}
	ps.mu.Unlock()
	if err := n.Chain.ForgetPayments(buried); err != nil {
		n.cfg.Log.Warn("forgetting buried payments", "err", err)
	}
}

// ids lists the payments the node keeps.
func (ps *payments) ids() []chain.Hash {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return slices.Collect(maps.Keys(ps.at))
}
