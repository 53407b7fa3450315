package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newCreateWalletCmd(e *Env) *cobra.Command {
	var alias string
	cmd := &cobra.Command{
		Use:   "createwallet [-alias NAME]",
		Short: "create a key in the data dir's wallet and print its address",
		Args:  cobra.NoArgs,
	}
	cmd.Flags().StringVar(&alias, "alias", "", "name to refer to the wallet by")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		w, err := e.openNode().CreateWallet(cmd.Context(), alias)
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), w.Address)
		return nil
	}
	return cmd
}
