package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/node/blockchain"
)

func newReindexUTXOCmd(e *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reindexutxo",
		Short: "rebuild the UTXO set from the blocks (needs the data dir to itself)",
		Args:  cobra.NoArgs,
	}
	// Never through a running node (so not through openNode): it needs the
	// database to itself, and the database's lock, not a node answering at
	// rpc.addr, is what tells whether a node holds it.
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return e.withChain(func(c *blockchain.Chain) error {
			n, err := c.Reindex()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Done! There are %d unspent outputs in the UTXO set.\n", n)
			return nil
		})
	}
	return cmd
}
