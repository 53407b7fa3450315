package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/devnet/runtime"
)

// remover is a backend that removes a devnet by name alone (docker: by
// label), also when nothing else is known about it.
type remover interface {
	Remove(ctx context.Context, devnet string) error
}

func newDownCommand(g *globals) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "down [NAME | --all]",
		Short: "Remove a devnet: its processes or containers, networks, volumes and state",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if all {
				if len(args) > 0 {
					return errors.New("down: give a NAME or --all, not both")
				}
				return g.downAll(ctx)
			}
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			name, err := g.pick(name)
			if err != nil {
				return err
			}
			return g.down(ctx, name)
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "remove every devnet (records under --state-dir, and every labelled docker object)")
	return cmd
}

// down removes one devnet through the backend its record names; with no
// record it tries every backend, so a crash before the record is no leak.
func (g *globals) down(ctx context.Context, name string) error {
	tryAll := []string{"process", "docker"}
	rec, err := g.readRecord(name)
	if err == nil {
		tryAll = []string{rec.Runtime}
	}
	var errs []error
	for _, b := range tryAll {
		if b == "docker" {
			if perr := dockerPing(ctx); perr != nil {
				if len(tryAll) == 1 { // recorded as docker: removing the record would leak
					errs = append(errs, fmt.Errorf("devnet %s runs on docker: %w", name, perr))
				}
				continue
			}
		}
		errs = append(errs, g.downWith(ctx, b, name))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := os.RemoveAll(g.stateDir(name)); err != nil {
		return err
	}
	fmt.Fprintf(g.out, "devnet %s removed\n", name)
	return nil
}

func (g *globals) downWith(ctx context.Context, backend, name string) error {
	rt, err := g.newRuntime(backend, name, false)
	if err != nil {
		return err
	}
	if rm, ok := rt.(remover); ok {
		return rm.Remove(ctx, name)
	}
	return rt.Down(ctx)
}

// downAll removes every devnet with a record, and every devnet the docker
// engine holds objects of (Lister), recorded or not.
func (g *globals) downAll(ctx context.Context) error {
	names, err := g.names()
	if err != nil {
		return err
	}
	if dockerPing(ctx) == nil {
		rt, err := g.newRuntime("docker", "", false)
		if err != nil {
			return err
		}
		if l, ok := rt.(runtime.Lister); ok {
			more, err := l.Devnets(ctx)
			if err != nil {
				return err
			}
			for _, n := range more {
				if !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
	}
	var errs []error
	for _, n := range names {
		errs = append(errs, g.down(ctx, n))
	}
	if len(names) == 0 {
		fmt.Fprintln(g.out, "no devnet to remove")
	}
	return errors.Join(errs...)
}
