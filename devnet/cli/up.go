package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/devnet/runner"
)

func newUpCommand(g *globals) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "up -f FILE",
		Short: "Start a devnet and wait until every node is peered; Ctrl-C tears it down",
		Args:  cobra.NoArgs,
		RunE: g.onRunner(&file, func(ctx context.Context, r *runner.Runner) error {
			if err := r.Up(ctx); err != nil {
				return err
			}
			if err := printTable(g.out, collect(ctx, r.Net, r.Backend)); err != nil {
				return err
			}
			fmt.Fprintf(g.out, "devnet %s is up (%s runtime). `devnet status`, `devnet logs -f`, `devnet down %s`\n", r.Net.Name, r.Backend.Name(), r.Net.Name)
			return nil
		}),
	}
	g.scenarioFlags(cmd, &file)
	return cmd
}

func newRunCommand(g *globals) *cobra.Command {
	var file, junit, artifacts, reportDir, ui string
	var keep, noReport bool
	var repeat int
	cmd := &cobra.Command{
		Use:   "run -f FILE",
		Short: "Up, every step of the scenario, down; exit 0 only if every assertion held",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if repeat < 1 || repeat > 1000 {
				return fmt.Errorf("--repeat %d: want 1 to 1000", repeat)
			}
			if reportDir != "" && noReport {
				return fmt.Errorf("--report and --no-report: pick one")
			}
			o := runOptions{artifacts: artifacts, junit: junit, report: reportTo{dir: reportDir, off: noReport}, keep: keep, ui: ui}
			if repeat == 1 {
				return g.runWith(cmd.Context(), file, o)
			}
			if keep {
				return fmt.Errorf("--keep and --repeat: a repeated run removes its devnet each time")
			}
			failed := 0
			for i := 1; i <= repeat; i++ {
				oi := o
				if oi.artifacts != "" {
					oi.artifacts = filepath.Join(oi.artifacts, fmt.Sprintf("run-%d", i))
				}
				if oi.report.dir != "" {
					oi.report.dir = filepath.Join(oi.report.dir, fmt.Sprintf("run-%d", i))
				}
				if oi.junit != "" {
					oi.junit = strings.TrimSuffix(oi.junit, ".xml") + fmt.Sprintf("-%d.xml", i)
				}
				err := g.runWith(cmd.Context(), file, oi)
				if cmd.Context().Err() != nil {
					return cmd.Context().Err()
				}
				if err != nil {
					failed++
					fmt.Fprintf(g.out, "run %d of %d: FAIL: %s\n", i, repeat, firstLine(err.Error()))
				} else {
					fmt.Fprintf(g.out, "run %d of %d: PASS\n", i, repeat)
				}
			}
			fmt.Fprintf(g.out, "%d of %d runs failed (%.0f %%)\n", failed, repeat, 100*float64(failed)/float64(repeat))
			if failed > 0 {
				return fmt.Errorf("%d of %d runs of %s failed", failed, repeat, file)
			}
			return nil
		},
	}
	g.scenarioFlags(cmd, &file)
	f := cmd.Flags()
	f.BoolVar(&keep, "keep", false, "leave the devnet running after the steps")
	f.IntVar(&repeat, "repeat", 1, "run the scenario this many times and report how many failed")
	f.StringVar(&junit, "junit", "", "write a JUnit XML report (a testcase per step) to FILE")
	f.StringVar(&artifacts, "artifacts", "", "where a failed run leaves logs, /status and the step log, and every run its report (default build/artifacts/NAME)")
	f.StringVar(&reportDir, "report", "", "where the run report goes: report.html, a PNG per plot and samples.json (default: the artefacts folder)")
	f.BoolVar(&noReport, "no-report", false, "write no run report (and sample no node)")
	f.StringVar(&ui, "ui", "", "serve the live view (devnet ui's page, read-only, with the steps in its timeline) on ADDR, e.g. 127.0.0.1:7070, while the run lasts")
	return cmd
}

// reportTo is where a run's report goes: dir, else the run's artefacts
// folder; nowhere when off.
type reportTo struct {
	dir string
	off bool
}

// runOptions are how a `devnet run` of a file goes: where its artefacts,
// JUnit file and report go, whether the devnet stays, and the address of
// a live view of it ("" for none).
type runOptions struct {
	artifacts, junit string
	report           reportTo
	keep             bool
	ui               string
}

// runScenario is one `devnet run` of file with its report in the
// artefacts folder.
func (g *globals) runScenario(ctx context.Context, file, artifacts, junit string, keep bool) error {
	return g.runWith(ctx, file, runOptions{artifacts: artifacts, junit: junit, keep: keep})
}

// runWith is one `devnet run` of file: up, every step, down.
func (g *globals) runWith(ctx context.Context, file string, o runOptions) error {
	r, release, err := g.newRunner(ctx, file)
	if err != nil {
		return err
	}
	defer release()
	r.Keep = o.keep
	r.Artifacts = o.artifacts
	if r.Artifacts == "" {
		r.Artifacts = filepath.Join("build", "artifacts", r.Net.Name)
	}
	if r.Report = o.report.dir; r.Report == "" && !o.report.off {
		r.Report = r.Artifacts
	}
	if o.ui != "" {
		stop, err := g.serveRun(ctx, r, o.ui)
		if err != nil {
			return err
		}
		defer stop()
	}
	runErr := r.Run(ctx)
	if o.junit != "" {
		if err := writeJUnit(o.junit, r.WriteJUnit, runErr); err != nil {
			return err
		}
	}
	if runErr != nil {
		return runErr
	}
	fmt.Fprintf(g.out, "PASS %s: %d steps\n", r.Net.Name, len(r.Config.Steps))
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// scenarioFlags adds what every command that starts a devnet takes: the
// scenario file (required) and --runtime.
func (g *globals) scenarioFlags(cmd *cobra.Command, file *string) {
	cmd.Flags().StringVarP(file, "file", "f", "", "scenario file (required)")
	cmd.Flags().StringVar(&g.runtime, "runtime", "", runtimeFlagHelp())
	_ = cmd.MarkFlagRequired("file")
}

// onRunner is a command body that loads the scenario in *file, wires it to
// its backend, and hands the runner to fn; the backend is closed after.
func (g *globals) onRunner(file *string, fn func(context.Context, *runner.Runner) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		r, release, err := g.newRunner(cmd.Context(), *file)
		if err != nil {
			return err
		}
		defer release()
		return fn(cmd.Context(), r)
	}
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
