// Package cli holds the cobra commands of devnet. Commands are thin: they
// parse flags and call scenario, runner and the runtime backends.
package cli

import (
	"io"
	"log/slog"

	"github.com/spf13/cobra"
)

// globals are the flags every command shares.
type globals struct {
	stateRoot string
	chaind    string
	runtime   string
	logLevel  string
	out, err  io.Writer
}

// NewRootCommand returns the devnet command tree writing to out and errOut.
func NewRootCommand(out, errOut io.Writer) *cobra.Command {
	g := &globals{out: out, err: errOut}
	root := &cobra.Command{
		Use:           "devnet",
		Short:         "Run devchain networks from YAML scenarios, as containers or local processes",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
				return err
			}
			slog.SetDefault(slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: level})))
			return nil
		},
	}
	root.SetOut(out)
	root.SetErr(errOut)
	f := root.PersistentFlags()
	f.StringVar(&g.stateRoot, "state-dir", ".devnet", "folder holding one sub-folder per devnet")
	f.StringVar(&g.chaind, "chaind", "", "chaind binary (default: next to devnet, else on PATH)")
	f.StringVar(&g.logLevel, "log-level", "warn", "debug, info, warn or error")
	root.AddCommand(
		newUpCommand(g),
		newRunCommand(g),
		newStatusCommand(g),
		newLogsCommand(g),
		newExecCommand(g),
		newLoadCommand(g),
		newChaosCommand(g),
		newShrinkCommand(g),
		newDownCommand(g),
		newComposeCommand(g),
		newK8sCommand(g),
		newPingCommand(g),
		newUICommand(g),
	)
	return root
}
