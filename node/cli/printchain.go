package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/node/controlapi"
)

func newPrintChainCmd(e *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "printchain",
		Short: "print every block of the main chain, tip first",
		Args:  cobra.NoArgs,
	}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return e.openNode().Blocks(cmd.Context(), func(b controlapi.Block) error {
			printBlock(cmd.OutOrStdout(), b)
			return nil
		})
	}
	return cmd
}

// printBlock prints a block the way printchain shows it. It takes the
// control API's form of a block so that a block read through a running node
// and one read from the data dir go through this one printer.
func printBlock(w io.Writer, b controlapi.Block) {
	fmt.Fprintf(w, "============ Block %s ============\n", b.Hash)
	fmt.Fprintf(w, "Height: %d\n", b.Height)
	fmt.Fprintf(w, "Prev. block: %s\n", b.Prev)
	fmt.Fprintf(w, "Timestamp: %s\n", time.Unix(b.Timestamp, 0).UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "PoW: %d bits, nonce %d\n", b.Bits, b.Nonce)
	for _, tx := range b.Txs {
		if tx.Coinbase {
			fmt.Fprintf(w, "--- Transaction %s (coinbase)\n", tx.TxID)
		} else {
			fmt.Fprintf(w, "--- Transaction %s\n", tx.TxID)
			for i, in := range tx.Inputs {
				fmt.Fprintf(w, "     Input %d: %s:%d from %s\n", i, in.TxID, in.Index, in.Address)
			}
		}
		for i, out := range tx.Outputs {
			fmt.Fprintf(w, "     Output %d: %d to %s\n", i, out.Value, out.Address)
		}
	}
	fmt.Fprintln(w)
}
