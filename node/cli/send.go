package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newSendCmd(e *Env) *cobra.Command {
	var p payment
	var mint, mine bool
	cmd := &cobra.Command{
		Use:   "send -from ADDR|ALIAS -to ADDR|ALIAS -amount N [-mint]",
		Short: "pay N from a wallet of this data dir; offline, -mint mines a block carrying it (the sender gets the block reward)",
		Args:  cobra.NoArgs,
	}
	f := cmd.Flags()
	f.StringVar(&p.from, "from", "", "paying wallet: alias or address held in this data dir (required)")
	f.StringVar(&p.to, "to", "", "receiver: alias or address (required)")
	f.Int64Var(&p.amount, "amount", 0, "amount to pay, > 0 (required)")
	f.BoolVar(&mint, "mint", false, "mine a block carrying the transaction (offline)")
	f.BoolVar(&mine, "mine", false, "same as -mint (the tutorial's earlier spelling)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		p.mine = mint || mine
		s, err := e.openNode().Send(cmd.Context(), p)
		if err != nil {
			return err
		}
		if !s.mined {
			fmt.Fprintf(cmd.OutOrStdout(), "Success! tx %s is in the node's mempool and relayed\n", s.txid)
			return nil
		}
		fmt.Fprintf(cmd.OutOrStdout(), "Success! tx %s in block %d %s\n", s.txid, s.height, s.hash)
		return nil
	}
	return cmd
}
