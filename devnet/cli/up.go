package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

func newUpCommand(g *globals) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "up -f FILE",
		Short: "Start a devnet and wait until every node is peered; Ctrl-C tears it down",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := g.newRunner(cmd.Context(), file)
			if err != nil {
				return err
			}
			defer r.Backend.Close()
			if err := r.Up(cmd.Context()); err != nil {
				return err
			}
			if err := printTable(g.out, collect(cmd.Context(), r.Net, r.Backend)); err != nil {
				return err
			}
			fmt.Fprintf(g.out, "devnet %s is up (%s runtime). `devnet status`, `devnet logs -f`, `devnet down %s`\n", r.Net.Name, r.Backend.Name(), r.Net.Name)
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "scenario file (required)")
	cmd.Flags().StringVar(&g.runtime, "runtime", "", runtimeFlagHelp())
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func newRunCommand(g *globals) *cobra.Command {
	var file, junit, artifacts string
	var keep bool
	cmd := &cobra.Command{
		Use:   "run -f FILE",
		Short: "Up, every step of the scenario, down; exit 0 only if every assertion held",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := g.newRunner(cmd.Context(), file)
			if err != nil {
				return err
			}
			defer r.Backend.Close()
			r.Keep = keep
			r.Artifacts = artifacts
			if r.Artifacts == "" {
				r.Artifacts = filepath.Join("build", "artifacts", r.Net.Name)
			}
			runErr := r.Run(cmd.Context())
			if junit != "" {
				if err := writeJUnit(junit, r.WriteJUnit, runErr); err != nil {
					return err
				}
			}
			if runErr != nil {
				return runErr
			}
			fmt.Fprintf(g.out, "PASS %s: %d steps\n", r.Net.Name, len(r.Config.Steps))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&file, "file", "f", "", "scenario file (required)")
	f.StringVar(&g.runtime, "runtime", "", runtimeFlagHelp())
	f.BoolVar(&keep, "keep", false, "leave the devnet running after the steps")
	f.StringVar(&junit, "junit", "", "write a JUnit XML report (a testcase per step) to FILE")
	f.StringVar(&artifacts, "artifacts", "", "where a failed run leaves logs, /status and the step log (default build/artifacts/NAME)")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func writeJUnit(path string, write func(io.Writer, error) error, runErr error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f, runErr); err != nil {
		f.Close()
		return fmt.Errorf("junit %s: %w", path, err)
	}
	return f.Close()
}
