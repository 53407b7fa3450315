// Command devnet runs devchain networks from YAML scenarios.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/devchain/devchain/devnet/cli"
)

func main() {
	// Ctrl-C (or SIGTERM) cancels the context: `up` and `run` tear down
	// what they started before returning.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.NewRootCommand(os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "devnet:", err)
		os.Exit(1)
	}
}
