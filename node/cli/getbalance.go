package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/wallet"
)

func newGetBalanceCmd(e *Env) *cobra.Command {
	var address string
	cmd := &cobra.Command{
		Use:   "getbalance -address ADDR|ALIAS",
		Short: "print the balance of an address or alias",
		Args:  cobra.NoArgs,
	}
	cmd.Flags().StringVar(&address, "address", "", "address or alias (required)")
	cmd.RunE = e.run(func(cmd *cobra.Command) error {
		if address == "" {
			return errors.New("getbalance: -address is required")
		}
		w, err := e.OpenWallets()
		if err != nil {
			return err
		}
		return e.withChain(func(c *blockchain.Chain) error {
			pkh, err := w.Resolve(address)
			if err != nil {
				return err
			}
			bal, err := c.Balance(pkh)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Balance of '%s': %d\n", wallet.EncodeAddress(pkh), bal)
			return nil
		})
	})
	return cmd
}
