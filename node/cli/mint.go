package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/miner"
)

// maxMintBlocks bounds one mint command.
const maxMintBlocks = 1_000_000

func newMintCmd(e *Env) *cobra.Command {
	var minter string
	var blocks int
	cmd := &cobra.Command{
		Use:   "mint -minter ADDR|ALIAS [-blocks N]",
		Short: "mine N blocks (default 1) whose coinbase pays the minter",
		Args:  cobra.NoArgs,
	}
	cmd.Flags().StringVar(&minter, "minter", "", "address or alias paid by the coinbase (required)")
	cmd.Flags().IntVar(&blocks, "blocks", 1, "number of blocks to mine")
	cmd.RunE = e.run(func(cmd *cobra.Command) error {
		if minter == "" {
			return errors.New("mint: -minter is required")
		}
		if blocks < 1 || blocks > maxMintBlocks {
			return fmt.Errorf("mint: -blocks %d: want 1..%d", blocks, maxMintBlocks)
		}
		w, err := e.OpenWallets()
		if err != nil {
			return err
		}
		return e.withChain(func(c *blockchain.Chain) error {
			pkh, err := w.Resolve(minter)
			if err != nil {
				return fmt.Errorf("mint: -minter: %w", err)
			}
			mined, err := miner.MineBlocks(cmd.Context(), c, pkh, blocks, nil)
			for _, b := range mined {
				fmt.Fprintf(cmd.OutOrStdout(), "mined block %d %s\n", b.Header.Height, b.Hash())
			}
			if err != nil {
				return fmt.Errorf("mint: after %d blocks: %w", len(mined), err)
			}
			return nil
		})
	})
	return cmd
}
