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
	cmd.RunE = e.run(func(cmd *cobra.Command) error {
		w, err := e.OpenWallets()
		if err != nil {
			return err
		}
		k, err := w.Create(alias)
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), k.Address())
		return nil
	})
	return cmd
}
