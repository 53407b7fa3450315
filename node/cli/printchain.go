package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/wallet"
)

func newPrintChainCmd(e *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "printchain",
		Short: "print every block of the main chain, tip first",
		Args:  cobra.NoArgs,
	}
	cmd.RunE = e.run(func(cmd *cobra.Command) error {
		return e.withChain(func(c *blockchain.Chain) error {
			_, height, _ := c.Tip()
			for h := int64(height); h >= 0; h-- {
				b, err := c.BlockAt(uint64(h))
				if err != nil {
					return err
				}
				printBlock(cmd.OutOrStdout(), b)
			}
			return nil
		})
	})
	return cmd
}

func printBlock(w io.Writer, b *chain.Block) {
	h := &b.Header
	fmt.Fprintf(w, "============ Block %s ============\n", b.Hash())
	fmt.Fprintf(w, "Height: %d\n", h.Height)
	fmt.Fprintf(w, "Prev. block: %s\n", h.PrevHash)
	fmt.Fprintf(w, "Timestamp: %s\n", time.Unix(h.Timestamp, 0).UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "PoW: %d bits, nonce %d\n", h.Bits, h.Nonce)
	for _, tx := range b.Txs {
		if tx.IsCoinbase() {
			fmt.Fprintf(w, "--- Transaction %s (coinbase)\n", tx.ID())
		} else {
			fmt.Fprintf(w, "--- Transaction %s\n", tx.ID())
			for i, in := range tx.Inputs {
				fmt.Fprintf(w, "     Input %d: %s from %s\n", i, in.Prev, wallet.EncodeAddress(chain.PubKeyHash(in.PubKey)))
			}
		}
		for i, out := range tx.Outputs {
			fmt.Fprintf(w, "     Output %d: %d to %s\n", i, out.Value, wallet.EncodeAddress(out.PubKeyHash))
		}
	}
	fmt.Fprintln(w)
}
