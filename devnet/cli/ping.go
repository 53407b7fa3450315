package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newPingCommand tells scripts (Makefile, .ci/run) whether the docker runtime
// can be used, with the same check `--runtime` auto-selection makes.
func newPingCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "ping",
		Short: "Exit 0 if a Docker engine answers (the docker runtime is usable), 1 otherwise",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := dockerPing(cmd.Context()); err != nil {
				return fmt.Errorf("no Docker engine answers: %w", err)
			}
			fmt.Fprintln(g.out, "docker engine answers")
			return nil
		},
	}
}
