package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/devnet/liveview"
	"github.com/devchain/devchain/devnet/runner"
	"github.com/devchain/devchain/devnet/scenario"
)

func newUICommand(g *globals) *cobra.Command {
	var name, listen string
	var control bool
	cmd := &cobra.Command{
		Use:   "ui [NAME] [--listen ADDR] [--control]",
		Short: "Serve a live web view of a running devnet (topology, table, timeline) until Ctrl-C",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if len(args) == 1 {
				if name != "" && name != args[0] {
					return fmt.Errorf("ui: NAME %q and --name %q differ", args[0], name)
				}
				name = args[0]
			}
			d, err := g.open(ctx, name)
			if err != nil {
				return err
			}
			defer d.be.Close()
			opts := liveview.Options{
				Net: d.net, Backend: d.be, Out: g.err,
				// Gone once `devnet down` removed the record; an unreadable
				// record is not proof the devnet went.
				Gone: func() error {
					if _, err := g.store().Read(d.net.Name); errors.Is(err, fs.ErrNotExist) {
						return fmt.Errorf("its record in %s was removed (devnet down)", g.store().Dir(d.net.Name))
					}
					return nil
				},
			}
			if control {
				// The buttons go through the runner, as scenario steps do.
				opts.Control = runner.New(&scenario.Config{Name: d.net.Name}, d.net, d.be, nil, io.Discard)
			}
			srv, err := liveview.New(opts)
			if err != nil {
				return err
			}
			ln, err := liveview.Listen(listen)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.out, "devnet %s: live view at %s (Ctrl-C ends it)\n", d.net.Name, srv.URL(ln))
			return srv.Serve(ctx, ln)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "devnet name, as NAME (default: the only one)")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:7070", "address to serve the page on")
	cmd.Flags().BoolVar(&control, "control", false, "add buttons that stop, start, kill, pause nodes and partition the devnet (the printed URL carries their token)")
	return cmd
}

// serveRun serves the live view of r's devnet on addr while the run
// lasts, read-only (the run's steps own the devnet), with each step in
// its timeline. stop ends it.
func (g *globals) serveRun(ctx context.Context, r *runner.Runner, addr string) (stop func(), err error) {
	srv, err := liveview.New(liveview.Options{Net: r.Net, Backend: r.Backend, Out: g.err})
	if err != nil {
		return nil, err
	}
	ln, err := liveview.Listen(addr)
	if err != nil {
		return nil, fmt.Errorf("--ui: %w", err)
	}
	r.OnStep = func(line string, failed bool) {
		kind := "step"
		if failed {
			kind = "step fail" // two classes: a step, failed
		}
		srv.Note(kind, line)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ctx, ln); err != nil {
			fmt.Fprintf(g.err, "live view: %v\n", err)
		}
	}()
	fmt.Fprintf(g.out, "devnet %s: live view of the run at %s\n", r.Net.Name, srv.URL(ln))
	return func() { cancel(); <-done }, nil
}
