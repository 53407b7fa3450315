package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newExecCommand(g *globals) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "exec NODE -- chaind ARGS",
		Short: "Run a chaind command on a node's data (through its RPC when it runs, offline when stopped)",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			node, chaindArgs := args[0], args[1:]
			if dash := cmd.ArgsLenAtDash(); dash != 1 {
				return fmt.Errorf("usage: devnet exec NODE -- chaind ARGS")
			}
			if chaindArgs[0] == "chaind" {
				chaindArgs = chaindArgs[1:]
			}
			if len(chaindArgs) == 0 {
				return fmt.Errorf("exec %s: no chaind command given", node)
			}
			d, err := g.open(cmd.Context(), name)
			if err != nil {
				return err
			}
			defer d.be.Close()
			if _, err := d.nodeNames([]string{node}); err != nil {
				return err
			}
			out, err := d.be.Exec(cmd.Context(), node, chaindArgs...)
			io.WriteString(g.out, out)
			return err
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "devnet name (default: the only one)")
	return cmd
}
