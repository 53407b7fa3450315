package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/backends"
	"github.com/devchain/devchain/devnet/runner"
	"github.com/devchain/devchain/devnet/scenario"
	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/devnet/state"
)

// providers lists the backends in order of preference (tests replace it).
var providers = backends.All

// provider returns the backend called name.
func provider(name string) (backend.Provider, error) {
	var names []string
	for _, p := range providers() {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return backend.Provider{}, fmt.Errorf("runtime %q: want %s", name, strings.Join(names, " or "))
}

// runtimeFlagHelp is the help of --runtime.
func runtimeFlagHelp() string {
	var names []string
	for _, p := range providers() {
		names = append(names, p.Name)
	}
	return strings.Join(names, " or ") + " (default: the scenario's, else the first of these available here)"
}

// pickBackend: the --runtime flag, else the scenario's, else the first
// backend available here.
func pickBackend(ctx context.Context, flag, fromScenario string) (backend.Provider, error) {
	for _, choice := range []string{flag, fromScenario} {
		if choice != "" && choice != "auto" {
			return provider(choice)
		}
	}
	var why []error
	for _, p := range providers() {
		err := p.Available(ctx)
		if err == nil {
			if len(why) > 0 {
				slog.Info("using the "+p.Name+" runtime", "why", errors.Join(why...))
			}
			return p, nil
		}
		why = append(why, fmt.Errorf("%s: %w", p.Name, err))
	}
	return backend.Provider{}, fmt.Errorf("no runtime is available: %w", errors.Join(why...))
}

// chaindPath finds chaind: --chaind, else next to the devnet binary (bin/),
// else on PATH.
func (g *globals) chaindPath() (string, error) {
	if g.chaind != "" {
		return filepath.Abs(g.chaind)
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "chaind")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath("chaind")
	if err != nil {
		return "", errors.New("no chaind binary: build it with `make chaind` (bin/chaind next to devnet) or pass --chaind PATH")
	}
	return filepath.Abs(p)
}

func (g *globals) store() *state.Store { return &state.Store{Root: g.stateRoot} }

// newBackend constructs p's backend for a devnet. Only a devnet about to
// start needs chaind; an existing one runs the binary it started with.
func (g *globals) newBackend(p backend.Provider, devnet string, needChaind bool) (backend.Backend, error) {
	chaind, err := g.chaindPath()
	if err != nil && needChaind {
		return nil, err
	}
	return p.New(backend.Options{StateDir: g.store().Dir(devnet), Chaind: chaind, Log: slog.Default()})
}

// newRunner loads a scenario, claims its devnet for this command (two
// commands running one devnet would undo each other) and wires it to its
// backend. release closes the backend and drops the claim.
func (g *globals) newRunner(ctx context.Context, file string) (r *runner.Runner, release func(), err error) {
	cfg, err := scenario.Load(file)
	if err != nil {
		return nil, nil, err
	}
	net, err := cfg.Spec()
	if err != nil {
		return nil, nil, err
	}
	p, err := pickBackend(ctx, g.runtime, cfg.Runtime)
	if err != nil {
		if g.runtime == "" {
			return nil, nil, fmt.Errorf("%s: %w", cfg.Pos, err)
		}
		return nil, nil, fmt.Errorf("--runtime: %w", err)
	}
	unlock, err := g.store().Lock(cfg.Name)
	if err != nil {
		return nil, nil, err
	}
	be, err := g.newBackend(p, cfg.Name, true)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return runner.New(cfg, net, be, g.store(), g.out), func() { be.Close(); unlock() }, nil
}

// devnet is an existing devnet found through its record.
type devnet struct {
	record state.Record
	net    *spec.Network
	be     backend.Backend
}

// open attaches to an existing devnet without creating anything. The caller
// closes d.be.
func (g *globals) open(ctx context.Context, name string) (*devnet, error) {
	name, err := g.store().Pick(name)
	if err != nil {
		return nil, err
	}
	d := &devnet{}
	if d.record, err = g.store().Read(name); err != nil {
		return nil, err
	}
	d.net = d.record.Network
	p, err := provider(d.record.Backend)
	if err != nil {
		return nil, fmt.Errorf("devnet %s: %w", name, err)
	}
	if d.be, err = g.newBackend(p, name, false); err != nil {
		return nil, err
	}
	if err := d.be.Attach(ctx, d.net); err != nil {
		d.be.Close()
		return nil, fmt.Errorf("devnet %s: %w", name, err)
	}
	return d, nil
}

// nodeNames are the devnet's nodes, or the ones asked for (checked).
func (d *devnet) nodeNames(asked []string) ([]string, error) {
	var all []string
	for _, n := range d.net.Nodes {
		all = append(all, n.Name)
	}
	for _, n := range asked {
		if _, ok := d.net.Node(n); !ok {
			return nil, fmt.Errorf("devnet %s has no node %q (nodes: %s)", d.net.Name, n, strings.Join(all, ", "))
		}
	}
	if len(asked) == 0 {
		return all, nil
	}
	return asked, nil
}
