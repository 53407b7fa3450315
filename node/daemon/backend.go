package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/mempool"
	"github.com/devchain/devchain/node/p2p"
	"github.com/devchain/devchain/node/txbuilder"
	"github.com/devchain/devchain/node/wallet"
)

var _ controlapi.Backend = (*Node)(nil)

// Status is GET /status.
func (n *Node) Status() controlapi.Status {
	tip, height, _ := n.Chain.Tip()
	ps := n.Sync.Peers()
	return controlapi.Status{
		Role: "node", Height: height, Tip: tip.String(), Genesis: n.Chain.Genesis().String(),
		PeerID: n.Host.ID().String(), Addrs: p2p.FullAddrs(n.Host), Peers: len(ps),
		Connections: n.Conns.Open(), MaxConnections: n.Conns.Max(),
		ConnectedVia: p2p.ConnectedVia(ps), Mempool: n.Pool.Len(), RSSBytes: controlapi.RSSBytes(),
		Links: new(n.links()),
	}
}

// Peers is GET /peers.
func (n *Node) Peers() []controlapi.Peer {
	ps := n.Sync.Peers()
	out := make([]controlapi.Peer, len(ps))
	for i, p := range ps {
		out[i] = controlapi.Peer{
			PeerID: p.ID.String(), Addrs: []string{p.Addr}, Direction: p.Direction, Source: p.Source,
			Link: p.Link.String(), RTTMillis: float64(p.RTT) / float64(time.Millisecond), Pongs: p.Pongs,
			BytesSent: p.BytesSent, BytesReceived: p.BytesReceived,
		}
	}
	return out
}

// Block gives a stored block.
func (n *Node) Block(h chain.Hash) (*chain.Block, error) {
	if !n.Chain.HasBlock(h) {
		return nil, fmt.Errorf("%w: block %s", controlapi.ErrNotFound, h)
	}
	return n.Chain.Block(h)
}

// ConnectedAt is when the node first connected block h.
func (n *Node) ConnectedAt(h chain.Hash) (time.Time, bool) { return n.Sync.ConnectedAt(h) }

// Collectors are the node's histograms for /metrics.
func (n *Node) Collectors() []prometheus.Collector { return n.Sync.Collectors() }

// BlockAt gives the main chain's block at height.
func (n *Node) BlockAt(height uint64) (*chain.Block, error) {
	if _, tip, _ := n.Chain.Tip(); height > tip {
		return nil, fmt.Errorf("%w: no block at height %d (tip %d)", controlapi.ErrNotFound, height, tip)
	}
	return n.Chain.BlockAt(height)
}

// Balance sums the confirmed outputs paying an address or alias.
func (n *Node) Balance(addrOrAlias string) (controlapi.Balance, error) {
	pkh, err := n.Keys.Resolve(addrOrAlias)
	if err != nil {
		return controlapi.Balance{}, fmt.Errorf("%w: %v", controlapi.ErrBadRequest, err)
	}
	bal, err := n.Chain.Balance(pkh)
	return controlapi.Balance{Address: wallet.EncodeAddress(pkh), Balance: bal}, err
}

// Wallets lists the data dir's wallets.
func (n *Node) Wallets() ([]controlapi.Wallet, error) {
	var out []controlapi.Wallet
	for _, e := range n.Keys.List() {
		out = append(out, controlapi.Wallet{Alias: e.Alias, Address: e.Address})
	}
	return out, nil
}

// CreateWallet makes a new key under alias.
func (n *Node) CreateWallet(alias string) (controlapi.Wallet, error) {
	k, err := n.Keys.Create(alias)
	if err != nil {
		return controlapi.Wallet{}, fmt.Errorf("%w: %v", controlapi.ErrBadRequest, err)
	}
	return controlapi.Wallet{Alias: alias, Address: k.Address()}, nil
}

// Send pays amount from a wallet of this data dir, skipping outputs that
// pooled txs already spend, and submits the tx to the mempool and peers.
func (n *Node) Send(_ context.Context, req controlapi.SendRequest) (*chain.Tx, error) {
	key, err := n.Keys.Key(req.From)
	if err != nil {
		return nil, fmt.Errorf("%w: from: %v", controlapi.ErrBadRequest, err)
	}
	to, err := n.Keys.Resolve(req.To)
	if err != nil {
		return nil, fmt.Errorf("%w: to: %v", controlapi.ErrBadRequest, err)
	}
	n.sendMu.Lock()
	defer n.sendMu.Unlock()
	tx, err := txbuilder.SendFromChain(n.Chain, key, n.Pool.Spent(), to, req.Amount, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", controlapi.ErrBadRequest, err)
	}
	if err := n.accept(tx); err != nil {
		return nil, err
	}
	return tx, nil
}

// SubmitTx is POST /tx/raw: a tx signed elsewhere into the mempool, and
// relayed.
func (n *Node) SubmitTx(tx *chain.Tx) error {
	if err := n.accept(tx); err != nil {
		if reason := mempool.Reason(err); reason != "" {
			return &controlapi.Refused{Reason: reason, Err: err}
		}
		return err
	}
	return nil
}

// Mint mines blocks paying the minter and answers once they are connected.
func (n *Node) Mint(ctx context.Context, req controlapi.MintRequest) (controlapi.MintReply, error) {
	pkh, err := n.Keys.Resolve(req.Minter)
	if err != nil {
		return controlapi.MintReply{}, fmt.Errorf("%w: minter: %v", controlapi.ErrBadRequest, err)
	}
	reply := controlapi.MintReply{Blocks: []string{}}
	for range req.Blocks {
		b, err := n.mineOne(ctx, pkh)
		if err != nil {
			return reply, err
		}
		reply.Blocks = append(reply.Blocks, b.Hash().String())
	}
	_, reply.Height, _ = n.Chain.Tip()
	return reply, nil
}

// Gate replaces the set of refused peers and drops connections to them.
func (n *Node) Gate(deny []string) ([]string, error) {
	return gate(n.Gater, n.Host.Network().ClosePeer, deny)
}

func gate(g *p2p.Gater, closePeer func(peer.ID) error, deny []string) ([]string, error) {
	ids := make([]peer.ID, 0, len(deny))
	for _, s := range deny {
		id, err := peer.Decode(s)
		if err != nil {
			return nil, fmt.Errorf("%w: peer ID %q: %v", controlapi.ErrBadRequest, s, err)
		}
		ids = append(ids, id)
	}
	g.SetDeny(ids)
	var errs []error
	for _, id := range ids {
		errs = append(errs, closePeer(id))
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out, errors.Join(errs...)
}

// Events is GET /events.
func (n *Node) Events(ctx context.Context, after uint64, wait time.Duration) controlapi.EventsReply {
	return n.events.Since(ctx, after, wait)
}

// Metrics are read by /metrics.
func (n *Node) Metrics() controlapi.Metrics {
	_, height, _ := n.Chain.Tip()
	return controlapi.Metrics{
		Height: height, Peers: n.Sync.PeerCount(),
		BlocksReceived: n.Sync.BlocksReceived.Load(), TxsReceived: n.Sync.TxsReceived.Load(),
		Rejects: n.Sync.Rejects.Load(), SigVerifications: n.Chain.SigVerifications(),
		MempoolTxs: n.Pool.Len(), MempoolBytes: n.Pool.Bytes(), GossipLost: n.Sync.GossipLost.Load(),
	}
}
