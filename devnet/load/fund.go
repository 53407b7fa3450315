package load

import (
	"context"
	"fmt"
	"time"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/wallet"
)

// Bounds of funding: the coinbases one consolidation spends (a tx stays
// far below chain.MaxTxSize), the blocks one mint call asks for, and the
// blocks mined to confirm the consolidations.
const (
	maxFundInputs = 400
	mintChunk     = 1000
	maxFundMints  = 20
	// asFastBudget is the rate funding provides for when Rate is 0.
	asFastBudget = 1000
)

// fund mints blocks paying a funding key through the first target, gives
// each payer its share of their coinbases in one consolidation tx, mines
// those in, and waits until every target holds that block. Payer i pays
// through target i mod len(targets). It returns the payers and the height
// where they are funded.
func (r *run) fund(ctx context.Context) ([]*payer, uint64, error) {
	cfg := r.cfg
	rate := cfg.Rate
	if rate <= 0 {
		rate = asFastBudget
	}
	perPayment := 1 + cfg.Fee
	payments := uint64(rate*cfg.For.Seconds()) + uint64(cfg.Wallets) // each payer some margin
	need := payments * perPayment * 5 / 4
	blocks := int(max(uint64(cfg.Wallets), (need+cfg.Subsidy-1)/cfg.Subsidy))
	funder, err := wallet.NewKey()
	if err != nil {
		return nil, 0, err
	}
	c := r.targets[0].Client
	r.say("funding %d wallets: minting %d blocks on %s", cfg.Wallets, blocks, r.targets[0].Name)
	var coinbases []chain.OutPoint
	for left := blocks; left > 0; left -= mintChunk {
		m, err := c.Mint(ctx, funder.Address(), min(left, mintChunk))
		if err != nil {
			return nil, 0, fmt.Errorf("%w: mint on %s: %v", ErrNoFunds, r.targets[0].Name, err)
		}
		for _, h := range m.Blocks {
			b, err := c.Block(ctx, h)
			if err != nil || len(b.Txs) == 0 {
				return nil, 0, fmt.Errorf("%w: block %s: %v", ErrNoFunds, h, err)
			}
			id, err := chain.ParseHash(b.Txs[0].TxID)
			if err != nil {
				return nil, 0, err
			}
			coinbases = append(coinbases, chain.OutPoint{TxID: id})
		}
	}
	st, err := c.Status(ctx)
	if err != nil {
		return nil, 0, err
	}
	payers := make([]*payer, cfg.Wallets)
	pending := map[chain.Hash]bool{}
	for i := range payers {
		key, err := wallet.NewKey()
		if err != nil {
			return nil, 0, err
		}
		tx := &chain.Tx{Version: chain.TxVersion}
		for k := i; k < len(coinbases) && len(tx.Inputs) < maxFundInputs; k += cfg.Wallets {
			tx.Inputs = append(tx.Inputs, chain.TxIn{Prev: coinbases[k]})
		}
		value := uint64(len(tx.Inputs)) * cfg.Subsidy
		tx.Outputs = []chain.TxOut{{Value: value, PubKeyHash: key.PubKeyHash()}}
		if err := funder.SignInputs(tx); err != nil {
			return nil, 0, err
		}
		if _, err := c.SubmitTx(ctx, tx); err != nil {
			return nil, 0, fmt.Errorf("%w: consolidation for wallet %d: %v", ErrNoFunds, i+1, err)
		}
		r.accepted(r.targets[0].Name, tx)
		id := tx.ID()
		pending[id] = true
		payers[i] = &payer{index: i, key: key, target: i % len(r.targets), out: chain.OutPoint{TxID: id}, value: value}
	}
	height, err := r.mineIn(ctx, c, funder, pending, st.Height)
	if err != nil {
		return nil, 0, err
	}
	r.say("funded: %d coins each, at height %d; waiting for every target to have it", payers[0].value, height)
	if err := r.waitHeight(ctx, height, time.Minute); err != nil {
		return nil, 0, err
	}
	return payers, height, nil
}

// mineIn mints blocks on c until every tx in pending is in a block above
// from (a minter on the node may take them first), and returns the height
// of the block that holds the last.
func (r *run) mineIn(ctx context.Context, c *controlapi.Client, funder *wallet.Key, pending map[chain.Hash]bool, from uint64) (uint64, error) {
	for range maxFundMints {
		m, err := c.Mint(ctx, funder.Address(), 1)
		if err != nil {
			return 0, fmt.Errorf("%w: mint: %v", ErrNoFunds, err)
		}
		for ; from < m.Height; from++ {
			b, err := c.BlockAt(ctx, from+1)
			if err != nil {
				return 0, err
			}
			for _, tx := range b.Txs {
				if id, err := chain.ParseHash(tx.TxID); err == nil {
					delete(pending, id)
				}
			}
			if len(pending) == 0 {
				return from + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: %d consolidations still unconfirmed after %d blocks", ErrNoFunds, len(pending), maxFundMints)
}

// waitHeight waits until every target is at height or above.
func (r *run) waitHeight(ctx context.Context, height uint64, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		behind := ""
		for _, tg := range r.targets {
			st, err := tg.Client.Status(ctx)
			if err != nil || st.Height < height {
				behind = tg.Name
				break
			}
		}
		if behind == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %s did not reach height %d within %s", ErrNoFunds, behind, height, within)
		case <-t.C:
		}
	}
}
