package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/devnet/backend"
)

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
			name, err := g.store().Pick(name)
			if err != nil {
				return err
			}
			return g.down(ctx, name)
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "remove every devnet (records under --state-dir, and every labelled object of every backend)")
	return cmd
}

// down removes one devnet through the backend its record names; with no
// record it tries every available backend, so a crash before the record is
// no leak.
func (g *globals) down(ctx context.Context, name string) error {
	candidates := providers()
	recorded := false
	if rec, err := g.store().Read(name); err == nil {
		p, err := provider(rec.Backend)
		if err != nil {
			return fmt.Errorf("devnet %s: %w", name, err)
		}
		candidates, recorded = []backend.Provider{p}, true
	}
	var errs []error
	for _, p := range candidates {
		if err := p.Available(ctx); err != nil {
			if recorded { // removing the record would leak what the backend holds
				errs = append(errs, fmt.Errorf("devnet %s runs on %s: %w", name, p.Name, err))
			}
			continue
		}
		errs = append(errs, g.downWith(ctx, p, name))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := g.store().Remove(name); err != nil {
		return err
	}
	fmt.Fprintf(g.out, "devnet %s removed\n", name)
	return nil
}

// downWith removes the devnet from one backend: by name when the backend
// can (Remover), else by attaching to it. A devnet the backend does not
// hold (nothing to attach to) is already gone there.
func (g *globals) downWith(ctx context.Context, p backend.Provider, name string) error {
	be, err := g.newBackend(p, name, false)
	if err != nil {
		return err
	}
	defer be.Close()
	if rm, ok := be.(backend.Remover); ok {
		return rm.Remove(ctx, name)
	}
	return be.Down(ctx)
}

// downAll removes every devnet with a record, and every devnet that an
// available backend holds objects of (Lister), recorded or not.
func (g *globals) downAll(ctx context.Context) error {
	names, err := g.store().Names()
	if err != nil {
		return err
	}
	for _, p := range providers() {
		if p.Available(ctx) != nil {
			continue
		}
		more, err := g.listDevnets(ctx, p)
		if err != nil {
			return err
		}
		for _, n := range more {
			if !slices.Contains(names, n) {
				names = append(names, n)
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

// listDevnets names the devnets p's backend holds objects of; none when it
// cannot tell (Lister).
func (g *globals) listDevnets(ctx context.Context, p backend.Provider) ([]string, error) {
	be, err := g.newBackend(p, "", false)
	if err != nil {
		return nil, err
	}
	defer be.Close()
	l, ok := be.(backend.Lister)
	if !ok {
		return nil, nil
	}
	return l.Devnets(ctx)
}
