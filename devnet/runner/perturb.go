package runner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/devchain/devchain/devnet/scenario"
	"github.com/devchain/devchain/internal/fanout"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/shaping"
)

// act runs an action step on each of its target nodes.
func (r *Runner) act(ctx context.Context, s *scenario.Step) error {
	nodes := r.Config.Resolve(s.Targets())
	switch a := s.Action.(type) {
	case *scenario.CreateWallet:
		return r.each(nodes, func(n string) error { return r.createWallet(ctx, n, a.Alias) })
	case *scenario.Mint:
		return r.each(nodes, func(n string) error { return r.mint(ctx, n, a) })
	case *scenario.Send:
		return r.each(nodes, func(n string) error { return r.send(ctx, n, a) })
	case *scenario.NodeAction:
		return r.each(nodes, func(n string) error { return r.lifecycle(ctx, s.Kind, n) })
	case *scenario.Partition:
		var sides [][]string
		for _, name := range a.Names() {
			sides = append(sides, r.Config.Resolve((*a)[name]))
		}
		return r.Backend.Partition(ctx, sides)
	case *scenario.Heal:
		return r.Backend.Heal(ctx)
	case *scenario.TxLoad:
		return r.txLoad(ctx, nodes, a)
	case *scenario.Shape:
		return r.shape(ctx, a.Between, a.Rule(), false)
	case *scenario.Unshape:
		return r.shape(ctx, a.Between, shaping.Rule{}, true)
	case *scenario.Sleep:
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(a.For.D()):
			return nil
		}
	}
	return fmt.Errorf("%s: no action %T", s.Pos, s.Action)
}

// each runs f on every target node; lifecycle actions run in parallel.
func (r *Runner) each(nodes []string, f func(string) error) error {
	return fanout.Each(nodes, startParallel, f)
}

// lifecycle is stop, start, restart, kill, pause and unpause of one node.
func (r *Runner) lifecycle(ctx context.Context, kind, name string) error {
	rt := r.Backend
	switch kind {
	case "stop", "kill", "restart", "pause":
		if err := r.stillRunning(ctx, name); err != nil {
			return err
		}
	}
	switch kind {
	case "stop":
		r.setDown(name, "stopped")
		return rt.Stop(ctx, name)
	case "kill":
		r.setDown(name, "killed")
		return rt.Kill(ctx, name)
	case "start":
		return r.startNode(ctx, name)
	case "restart":
		r.setDown(name, "restarting")
		if err := rt.Stop(ctx, name); err != nil {
			return err
		}
		return r.startNode(ctx, name)
	case "pause":
		r.setDown(name, "paused")
		return rt.Pause(ctx, name)
	case "unpause":
		if err := rt.Unpause(ctx, name); err != nil {
			return err
		}
		r.setDown(name, "")
		return r.refreshLinks(ctx, name, false)
	}
	return fmt.Errorf("no lifecycle action %q", kind)
}

// ExitedError is a node that no longer runs though no step stopped,
// killed or paused it: it exited on its own.
type ExitedError struct {
	Node string
	Err  error
}

func (e *ExitedError) Error() string {
	return fmt.Sprintf("%s exited on its own (no step stopped, killed or paused it): %v", e.Node, e.Err)
}

func (e *ExitedError) Unwrap() error { return e.Err }

// stillRunning checks, before a step stops, kills, restarts or pauses a
// node the run believes running, that it does: otherwise the step would
// hide its exit. Only a node nothing listens for any more (every dial
// failed for unsentRetry) counts as gone; a slow answer does not.
func (r *Runner) stillRunning(ctx context.Context, name string) error {
	if r.isDown(name) != "" {
		return nil
	}
	err := r.call(ctx, name, func(c *controlapi.Client) error { return c.Healthz(ctx) })
	if notSent(err) && ctx.Err() == nil {
		return &ExitedError{Node: name, Err: err}
	}
	return nil
}

// createWallet goes through the node's API when it runs, else offline.
func (r *Runner) createWallet(ctx context.Context, name, alias string) error {
	if r.isDown(name) == "" {
		var w controlapi.Wallet
		err := r.call(ctx, name, func(c *controlapi.Client) (err error) {
			w, err = c.CreateWallet(ctx, alias)
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		r.steps.printf("     %s: wallet %s = %s", name, alias, w.Address)
		return nil
	}
	out, err := r.Backend.Exec(ctx, name, "createwallet", "-alias", alias)
	if err == nil {
		r.steps.printf("     %s (offline): wallet %s = %s", name, alias, trim(out))
	}
	return err
}

// mint mines through the running node, or with offline: true into a
// stopped node's data (the tutorial's "mint while away" demo).
func (r *Runner) mint(ctx context.Context, name string, a *scenario.Mint) error {
	if a.Offline {
		if why := r.isDown(name); why != "stopped" && why != "killed" {
			return fmt.Errorf("offline mint on %s needs a stopped node (stop it in an earlier step)", name)
		}
		out, err := r.Backend.Exec(ctx, name, "mint", "-minter", a.Minter, "-blocks", fmt.Sprint(a.Blocks))
		if err == nil {
			r.steps.printf("     %s (offline): %s", name, trim(out))
		}
		return err
	}
	var m controlapi.MintReply
	err := r.call(ctx, name, func(c *controlapi.Client) (err error) {
		m, err = c.Mint(ctx, a.Minter, a.Blocks)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	r.steps.printf("     %s: mined %d blocks, height %d", name, a.Blocks, m.Height)
	return nil
}

func trim(s string) string {
	const maxLen = 200
	if len(s) > maxLen {
		s = s[:maxLen] + "…"
	}
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ")
}
