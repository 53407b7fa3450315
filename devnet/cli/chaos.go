package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/devnet/chaos"
	"github.com/devchain/devchain/devnet/runner"
	"github.com/devchain/devchain/devnet/scenario"
)

func newChaosCommand(g *globals) *cobra.Command {
	var (
		file, artifacts, junit string
		seed                   uint64
		steps                  int
		duration               time.Duration
		dryRun, shrink         bool
		sc                     chaos.ShrinkConfig
	)
	cmd := &cobra.Command{
		Use:   "chaos -f BASE.yaml --seed S [--steps N | --duration D]",
		Short: "Draw a fault schedule for BASE's devnet from a seed, write it as a scenario and run it; the same seed gives the same schedule",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := os.ReadFile(file)
			if err != nil {
				return fmt.Errorf("chaos: %w", err)
			}
			cfg, err := scenario.Parse(file, raw)
			if err != nil {
				return err
			}
			if cfg.Chaos == nil {
				cfg.Chaos = &scenario.Chaos{Pos: cfg.Pos}
				cfg.SetDefaults()
				if err := cfg.Validate(); err != nil {
					return err
				}
			}
			switch {
			case steps > 0 && duration > 0:
				return fmt.Errorf("chaos: give --steps or --duration, not both")
			case steps > 0:
				cfg.Chaos.Steps = steps
			case duration > 0:
				cfg.Chaos.Steps = max(1, int(duration/max(cfg.Chaos.Every.D(), 100*time.Millisecond)))
			}
			if cfg.Chaos.Steps > scenario.MaxChaosSteps {
				return fmt.Errorf("chaos: %d steps, at most %d", cfg.Chaos.Steps, scenario.MaxChaosSteps)
			}
			out, err := chaos.Render(raw, chaos.Generate(cfg, seed), seed, file)
			if err != nil {
				return err
			}
			if artifacts == "" {
				artifacts = filepath.Join("build", "artifacts", fmt.Sprintf("%s-chaos-%d", cfg.Name, seed))
			}
			if err := os.MkdirAll(artifacts, 0o755); err != nil {
				return err
			}
			schedule := filepath.Join(artifacts, "schedule.yaml")
			if err := os.WriteFile(schedule, out, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(g.out, "chaos: seed %d, %d actions; schedule in %s\n", seed, cfg.Chaos.Steps, schedule)
			if dryRun {
				return nil
			}
			err = g.runScenario(cmd.Context(), schedule, artifacts, junit, false)
			if err == nil {
				return nil
			}
			var se *runner.StepError
			if !errors.As(err, &se) || !isInvariant(violation(se)) || !shrink || cmd.Context().Err() != nil {
				return fmt.Errorf("chaos seed %d: %w\nreplay: devnet run -f %s", seed, err, schedule)
			}
			fmt.Fprintf(g.out, "chaos seed %d: violation of %q at step %d, %s: %v\n", seed, violation(se), se.Index, se.Step.Name, se.Err)
			minimal, serr := g.shrink(cmd.Context(), schedule, violation(se), filepath.Join(artifacts, "shrink"), sc)
			if serr != nil {
				return fmt.Errorf("chaos seed %d: %w (shrinking failed: %v)\nreplay: devnet run -f %s", seed, err, serr, schedule)
			}
			return fmt.Errorf("chaos seed %d: %w\nreplay: devnet run -f %s\nminimal: devnet run -f %s --repeat 3", seed, err, schedule, minimal)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&file, "file", "f", "", "base scenario: the devnet, and its chaos: section (required)")
	f.Uint64Var(&seed, "seed", 1, "the seed the schedule is drawn from")
	f.IntVar(&steps, "steps", 0, "actions in the schedule (default: chaos.steps, 30)")
	f.DurationVar(&duration, "duration", 0, "instead of --steps: as many actions as fit, one every chaos.every")
	f.BoolVar(&dryRun, "dry-run", false, "write the schedule, do not run it")
	f.BoolVar(&shrink, "shrink", true, "on an invariant's violation, shrink the schedule to minimal.yaml")
	f.IntVar(&sc.Reruns, "reruns", 3, "shrinking: runs of a candidate before it counts as passing")
	f.IntVar(&sc.Budget, "budget", 60, "shrinking: the most runs in all")
	f.StringVar(&artifacts, "artifacts", "", "where the schedule, logs and step log go (default build/artifacts/NAME-chaos-SEED)")
	f.StringVar(&junit, "junit", "", "write a JUnit XML report to FILE")
	f.StringVar(&g.runtime, "runtime", "", runtimeFlagHelp())
	_ = cmd.MarkFlagRequired("file")
	return cmd
}
