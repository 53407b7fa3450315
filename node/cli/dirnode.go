package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/miner"
	"github.com/devchain/devchain/node/txbuilder"
	"github.com/devchain/devchain/node/wallet"
)

// dirNode answers the data-dir commands from the data dir itself, when no
// node runs on it. Each call opens what it needs (wallet file, then chain
// database) and closes the chain before it returns, so nothing is held
// between commands; a node holding the database gives ErrNodeRunning.
type dirNode struct{ e *Env }

var _ dataNode = dirNode{}

func (n dirNode) CreateWallet(_ context.Context, alias string) (controlapi.Wallet, error) {
	w, err := n.e.OpenWallets()
	if err != nil {
		return controlapi.Wallet{}, err
	}
	k, err := w.Create(alias)
	if err != nil {
		return controlapi.Wallet{}, err
	}
	return controlapi.Wallet{Alias: alias, Address: k.Address()}, nil
}

func (n dirNode) Wallets(context.Context) ([]controlapi.Wallet, error) {
	w, err := n.e.OpenWallets()
	if err != nil {
		return nil, err
	}
	var out []controlapi.Wallet
	for _, x := range w.List() {
		out = append(out, controlapi.Wallet{Alias: x.Alias, Address: x.Address})
	}
	return out, nil
}

func (n dirNode) Balance(_ context.Context, addrOrAlias string) (controlapi.Balance, error) {
	var out controlapi.Balance
	err := n.withWalletAndChain(func(w *wallet.Wallets, c *blockchain.Chain) error {
		pkh, err := w.Resolve(addrOrAlias)
		if err != nil {
			return err
		}
		bal, err := c.Balance(pkh)
		out = controlapi.Balance{Address: wallet.EncodeAddress(pkh), Balance: bal}
		return err
	})
	return out, err
}

// Send can only mine the payment here: with no node there is no mempool
// and no peer to relay it to.
func (n dirNode) Send(ctx context.Context, p payment) (sent, error) {
	if p.from == "" || p.to == "" {
		return sent{}, errors.New("send: -from and -to are required")
	}
	if p.amount <= 0 {
		return sent{}, fmt.Errorf("send: -amount %d: must be greater than 0", p.amount)
	}
	if !p.mine {
		dir, _ := n.e.DataDir()
		return sent{}, fmt.Errorf("send: no node is running on %s to relay the transaction; pass -mint to mine it into a block here", dir)
	}
	var out sent
	err := n.withWalletAndChain(func(w *wallet.Wallets, c *blockchain.Chain) error {
		key, err := w.Key(p.from)
		if err != nil {
			return fmt.Errorf("send: -from: %w", err)
		}
		dest, err := w.Resolve(p.to)
		if err != nil {
			return fmt.Errorf("send: -to: %w", err)
		}
		tx, err := txbuilder.SendFromChain(c, key, nil, dest, uint64(p.amount), 0)
		if err != nil {
			return fmt.Errorf("send: %w", err)
		}
		blocks, err := miner.MineBlocks(ctx, c, key.PubKeyHash(), 1, []*chain.Tx{tx})
		if err != nil {
			return fmt.Errorf("send: %w", err)
		}
		b := blocks[0]
		if len(b.Txs) != 2 {
			return fmt.Errorf("send: mined block %s left the transaction out", b.Hash())
		}
		out = sent{txid: tx.ID().String(), mined: true, height: b.Header.Height, hash: b.Hash().String()}
		return nil
	})
	return out, err
}

// Mint answers as the node's /mint does: the blocks' hashes and the
// tip's height after the last of them.
func (n dirNode) Mint(ctx context.Context, minter string, blocks int) (controlapi.MintReply, error) {
	// A running node bounds a mint itself; this bounds one done here.
	if blocks > maxMintBlocks {
		return controlapi.MintReply{}, errMintBlocks(blocks)
	}
	var out controlapi.MintReply
	err := n.withWalletAndChain(func(w *wallet.Wallets, c *blockchain.Chain) error {
		pkh, err := w.Resolve(minter)
		if err != nil {
			return fmt.Errorf("mint: -minter: %w", err)
		}
		mined, err := miner.MineBlocks(ctx, c, pkh, blocks, nil)
		for _, b := range mined {
			out.Blocks = append(out.Blocks, b.Hash().String())
			out.Height = b.Header.Height
		}
		if err != nil {
			return fmt.Errorf("mint: after %d blocks: %w", len(mined), err)
		}
		return nil
	})
	return out, err
}

// Blocks reads the chain without the wallet file, so printchain works
// while the wallet is unreadable.
func (n dirNode) Blocks(_ context.Context, each func(controlapi.Block) error) error {
	return n.e.withChain(func(c *blockchain.Chain) error {
		_, height, _ := c.Tip()
		for h := int64(height); h >= 0; h-- {
			b, err := c.BlockAt(uint64(h))
			if err != nil {
				return err
			}
			if err := each(controlapi.BlockJSON(b)); err != nil {
				return err
			}
		}
		return nil
	})
}

// withWalletAndChain opens the wallet file, then the chain, for fn. The
// order decides which error a command gives when both fail: a corrupt
// wallet file is reported before a node holding the chain.
func (n dirNode) withWalletAndChain(fn func(*wallet.Wallets, *blockchain.Chain) error) error {
	w, err := n.e.OpenWallets()
	if err != nil {
		return err
	}
	return n.e.withChain(func(c *blockchain.Chain) error { return fn(w, c) })
}
