package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/devchain/devchain/node/controlapi"
)

// rpcNode answers the data-dir commands through the control API of the
// node running on the data dir: that node holds the chain database, and
// its mempool and peers are where a payment must go.
type rpcNode struct{ c *controlapi.Client }

var _ dataNode = rpcNode{}

func (n rpcNode) CreateWallet(ctx context.Context, alias string) (controlapi.Wallet, error) {
	return n.c.CreateWallet(ctx, alias)
}

func (n rpcNode) Wallets(ctx context.Context) ([]controlapi.Wallet, error) { return n.c.Wallets(ctx) }

func (n rpcNode) Balance(ctx context.Context, addrOrAlias string) (controlapi.Balance, error) {
	return n.c.Balance(ctx, addrOrAlias)
}

// Send submits the payment to the node (mempool and relay); with p.mine
// the node then mines a block, which takes the mempool's txs.
func (n rpcNode) Send(ctx context.Context, p payment) (sent, error) {
	if p.from == "" || p.to == "" || p.amount <= 0 {
		return sent{}, errors.New("send: -from, -to and a positive -amount are required")
	}
	r, err := n.c.Send(ctx, p.from, p.to, uint64(p.amount))
	if err != nil {
		return sent{}, fmt.Errorf("send: %w", err)
	}
	txid := r.TxID
	if !p.mine {
		return sent{txid: txid}, nil
	}
	m, err := n.c.Mint(ctx, p.from, 1)
	if err != nil {
		return sent{}, fmt.Errorf("send: tx %s sent, mining it: %w", txid, err)
	}
	b, err := n.c.Block(ctx, m.Blocks[0])
	if err != nil {
		return sent{}, fmt.Errorf("send: %w", err)
	}
	for _, tx := range b.Txs {
		if tx.TxID == txid {
			return sent{txid: txid, mined: true, height: b.Height, hash: b.Hash}, nil
		}
	}
	return sent{}, fmt.Errorf("send: tx %s is in the mempool, but mined block %s left it out", txid, b.Hash)
}

func (n rpcNode) Mint(ctx context.Context, minter string, blocks int) (controlapi.MintReply, error) {
	return n.c.Mint(ctx, minter, blocks)
}

func (n rpcNode) Blocks(ctx context.Context, each func(controlapi.Block) error) error {
	s, err := n.c.Status(ctx)
	if err != nil {
		return err
	}
	for h := int64(s.Height); h >= 0; h-- {
		b, err := n.c.BlockAt(ctx, uint64(h))
		if err != nil {
			return err
		}
		if err := each(b); err != nil {
			return err
		}
	}
	return nil
}
