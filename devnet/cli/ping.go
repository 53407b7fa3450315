package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newPingCommand tells scripts (Makefile, .ci/run) whether a runtime can be
// used here, with the same check `--runtime` auto-selection makes. Without
// an argument it asks about the preferred runtime (the container engine).
func newPingCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "ping [RUNTIME]",
		Short: "Exit 0 if the runtime (default: the preferred one) can be used here, 1 otherwise",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p := providers()[0]
			if len(args) == 1 {
				var err error
				if p, err = provider(args[0]); err != nil {
					return err
				}
			}
			if err := p.Available(cmd.Context()); err != nil {
				return fmt.Errorf("%s runtime not available: %w", p.Name, err)
			}
			fmt.Fprintf(g.out, "%s runtime available\n", p.Name)
			return nil
		},
	}
}
