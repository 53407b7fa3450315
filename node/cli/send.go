package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/miner"
	"github.com/devchain/devchain/node/txbuilder"
)

func newSendCmd(e *Env) *cobra.Command {
	var from, to string
	var amount int64
	var mint, mine bool
	cmd := &cobra.Command{
		Use:   "send -from ADDR|ALIAS -to ADDR|ALIAS -amount N [-mint]",
		Short: "pay N from a wallet of this data dir; offline, -mint mines a block carrying it (the sender gets the block reward)",
		Args:  cobra.NoArgs,
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "paying wallet: alias or address held in this data dir (required)")
	f.StringVar(&to, "to", "", "receiver: alias or address (required)")
	f.Int64Var(&amount, "amount", 0, "amount to pay, > 0 (required)")
	f.BoolVar(&mint, "mint", false, "mine a block carrying the transaction (offline)")
	f.BoolVar(&mine, "mine", false, "same as -mint (the tutorial's earlier spelling)")
	cmd.RunE = e.run(func(cmd *cobra.Command) error {
		if from == "" || to == "" {
			return errors.New("send: -from and -to are required")
		}
		if amount <= 0 {
			return fmt.Errorf("send: -amount %d: must be greater than 0", amount)
		}
		if !mint && !mine {
			dir, _ := e.DataDir()
			return fmt.Errorf("send: no node is running on %s to relay the transaction; pass -mint to mine it into a block here", dir)
		}
		w, err := e.OpenWallets()
		if err != nil {
			return err
		}
		return e.withChain(func(c *blockchain.Chain) error {
			key, err := w.Key(from)
			if err != nil {
				return fmt.Errorf("send: -from: %w", err)
			}
			dest, err := w.Resolve(to)
			if err != nil {
				return fmt.Errorf("send: -to: %w", err)
			}
			tx, err := txbuilder.SendFromChain(c, key, nil, dest, uint64(amount), 0)
			if err != nil {
				return fmt.Errorf("send: %w", err)
			}
			blocks, err := miner.MineBlocks(cmd.Context(), c, key.PubKeyHash(), 1, []*chain.Tx{tx})
			if err != nil {
				return fmt.Errorf("send: %w", err)
			}
			b := blocks[0]
			if len(b.Txs) != 2 {
				return fmt.Errorf("send: mined block %s left the transaction out", b.Hash())
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Success! tx %s in block %d %s\n", tx.ID(), b.Header.Height, b.Hash())
			return nil
		})
	})
	return cmd
}
