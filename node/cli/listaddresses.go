package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newListAddressesCmd(e *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "listaddresses",
		Short: `list the data dir's wallets, one "alias address" line each ("-" for no alias)`,
		Args:  cobra.NoArgs,
	}
	cmd.RunE = e.run(func(cmd *cobra.Command) error {
		w, err := e.OpenWallets()
		if err != nil {
			return err
		}
		for _, x := range w.List() {
			alias := x.Alias
			if alias == "" {
				alias = "-"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", alias, x.Address)
		}
		return nil
	})
	return cmd
}
