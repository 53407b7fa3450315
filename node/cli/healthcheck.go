package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/node/controlapi"
)

func newHealthcheckCmd(e *Env) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "healthcheck [-rpc HOST:PORT]",
		Short: "exit 0 when the node's /healthz answers (container healthchecks)",
		Args:  cobra.NoArgs,
	}
	cmd.Flags().StringVar(&addr, "rpc", "", "control API address (default: the data dir's rpc.addr, else 127.0.0.1:8545)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if addr == "" {
			if dir, err := e.DataDir(); err == nil {
				addr, _ = controlapi.ReadAddrFile(dir)
			}
		}
		if addr == "" {
			addr = "127.0.0.1:8545"
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 3*time.Second)
		defer cancel()
		if err := controlapi.NewClient(addr).Healthz(ctx); err != nil {
			return fmt.Errorf("healthcheck %s: %w", addr, err)
		}
		return nil
	}
	return cmd
}
