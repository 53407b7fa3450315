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
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ws, err := e.openNode().Wallets(cmd.Context())
		if err != nil {
			return err
		}
		for _, w := range ws {
			alias := w.Alias
			if alias == "" {
				alias = "-"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", alias, w.Address)
		}
		return nil
	}
	return cmd
}
