package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// maxMintBlocks bounds one mint command run on the data dir.
const maxMintBlocks = 1_000_000

func errMintBlocks(blocks int) error {
	return fmt.Errorf("mint: -blocks %d: want 1..%d", blocks, maxMintBlocks)
}

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
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if minter == "" {
			return errors.New("mint: -minter is required")
		}
		if blocks < 1 {
			return errMintBlocks(blocks)
		}
		r, err := e.openNode().Mint(cmd.Context(), minter, blocks)
		// The mined blocks are consecutive and end at r.Height.
		first := r.Height + 1 - uint64(len(r.Blocks))
		for i, h := range r.Blocks {
			fmt.Fprintf(cmd.OutOrStdout(), "mined block %d %s\n", first+uint64(i), h)
		}
		return err
	}
	return cmd
}
