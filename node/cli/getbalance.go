package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

func newGetBalanceCmd(e *Env) *cobra.Command {
	var address string
	cmd := &cobra.Command{
		Use:   "getbalance -address ADDR|ALIAS",
		Short: "print the balance of an address or alias",
		Args:  cobra.NoArgs,
	}
	cmd.Flags().StringVar(&address, "address", "", "address or alias (required)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if address == "" {
			return errors.New("getbalance: -address is required")
		}
		b, err := e.openNode().Balance(cmd.Context(), address)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "Balance of '%s': %d\n", b.Address, b.Balance)
		return nil
	}
	return cmd
}
