package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/devnet/chaos"
	"github.com/devchain/devchain/devnet/runner"
)

func newShrinkCommand(g *globals) *cobra.Command {
	var (
		artifacts string
		sc        chaos.ShrinkConfig
	)
	cmd := &cobra.Command{
		Use:   "shrink FILE",
		Short: "Shrink a failing chaos schedule to the fewest actions that still fail the same way; writes minimal.yaml",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if artifacts == "" {
				artifacts = filepath.Join(filepath.Dir(args[0]), "shrink")
			}
			_, err := g.shrink(cmd.Context(), args[0], "", artifacts, sc)
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&sc.Reruns, "reruns", 3, "runs of a candidate before it counts as passing (runs are not deterministic)")
	f.IntVar(&sc.Budget, "budget", 60, "the most runs in all")
	f.StringVar(&artifacts, "artifacts", "", "where candidates run and minimal.yaml goes (default: shrink/ beside FILE)")
	f.StringVar(&g.runtime, "runtime", "", runtimeFlagHelp())
	return cmd
}

// shrink shrinks the schedule in file to the fewest actions that still
// fail at invariant (the step it fails at now, when ""), and writes
// minimal.yaml into dir. It returns the minimal file's path.
func (g *globals) shrink(ctx context.Context, file, invariant, dir string, sc chaos.ShrinkConfig) (string, error) {
	if sc.Reruns < 1 || sc.Budget < 1 {
		return "", fmt.Errorf("shrink: want at least 1 rerun and a budget of at least 1 run")
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("shrink: %w", err)
	}
	s, err := chaos.ParseSchedule(raw)
	if err != nil {
		return "", fmt.Errorf("shrink: %s: %w", file, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	quiet := *g
	quiet.out, quiet.err = io.Discard, io.Discard
	candidate := filepath.Join(dir, "candidate.yaml")
	sc.Run = func(ctx context.Context, content []byte) (string, error) {
		if err := os.WriteFile(candidate, content, 0o644); err != nil {
			return "", err
		}
		// A candidate's report would be overwritten by the next one.
		err := quiet.runWith(ctx, candidate, runOptions{artifacts: filepath.Join(dir, "candidate"), report: reportTo{off: true}})
		var se *runner.StepError
		switch {
		case err == nil:
			return "", nil
		case errors.As(err, &se):
			return violation(se), nil
		case ctx.Err() != nil:
			return "", ctx.Err()
		}
		return "", err // the devnet did not come up: no verdict on the candidate
	}
	if sc.Say == nil {
		sc.Say = func(format string, args ...any) { fmt.Fprintf(g.out, format+"\n", args...) }
	}
	if invariant == "" {
		for range sc.Reruns {
			if invariant, err = sc.Run(ctx, raw); err != nil || invariant != "" {
				break
			}
		}
		if err != nil {
			return "", err
		}
		if invariant == "" {
			return "", fmt.Errorf("shrink: %s passed %d times: nothing to shrink", file, sc.Reruns)
		}
		sc.Budget -= 1
	}
	sc.Say("shrink: %d actions fail at %q; removing chunks (at most %d runs, %d a candidate)", s.Actions(), invariant, sc.Budget, sc.Reruns)
	res, err := chaos.Shrink(ctx, s, invariant, sc)
	if err != nil {
		return "", err
	}
	minimal := filepath.Join(dir, "minimal.yaml")
	if err := os.WriteFile(minimal, res.Minimal, 0o644); err != nil {
		return "", err
	}
	sc.Say("shrink: %d of %d actions left after %d runs; %s (replay: devnet run -f %s --repeat 3)", res.Actions, s.Actions(), res.Runs, minimal, minimal)
	return minimal, nil
}

// exitedInvariant names the violation of a node found gone that the
// schedule had not stopped or killed, whichever step found it.
const exitedInvariant = "invariant: no node exits unless the schedule killed it"

// violation names what a failed step stands for when shrinking: the step
// itself, or exitedInvariant for a node found gone.
func violation(se *runner.StepError) string {
	var exited *runner.ExitedError
	if errors.As(se.Err, &exited) {
		return exitedInvariant
	}
	return se.Step.Name
}

// isInvariant tells a chaos schedule's invariants and checks from its
// actions and final phase.
func isInvariant(name string) bool {
	return strings.HasPrefix(name, "invariant:") || strings.HasPrefix(name, "check:")
}
