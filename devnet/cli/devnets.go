package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/devchain/devchain/devnet/runner"
	"github.com/devchain/devchain/devnet/runtime"
	"github.com/devchain/devchain/devnet/runtime/docker"
	"github.com/devchain/devchain/devnet/runtime/process"
	"github.com/devchain/devchain/devnet/scenario"
)

// backends constructs each runtime; the CLI knows docker only through this.
var backends = map[string]func(runtime.Options) (runtime.Runtime, error){
	"process": process.New,
	"docker": func(o runtime.Options) (runtime.Runtime, error) {
		return docker.New(docker.Options{Chaind: o.Chaind, Logger: o.Log})
	},
}

// dockerPing tells whether a Docker engine answers (runtime auto-selection).
var dockerPing = docker.Ping

// pickRuntime: the --runtime flag, else the scenario's, else docker when an
// engine answers, else process.
func pickRuntime(ctx context.Context, flag, fromScenario string) string {
	for _, choice := range []string{flag, fromScenario} {
		if choice != "" && choice != "auto" {
			return choice
		}
	}
	if err := dockerPing(ctx); err != nil {
		slog.Info("no docker engine; using the process runtime", "why", err)
		return "process"
	}
	return "docker"
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

func (g *globals) stateDir(name string) string { return filepath.Join(g.stateRoot, name) }

// newRuntime constructs the named backend for a devnet. Only a devnet about
// to start needs chaind; an existing one runs the binary it started with.
func (g *globals) newRuntime(name, devnet string, needChaind bool) (runtime.Runtime, error) {
	mk, ok := backends[name]
	if !ok {
		return nil, fmt.Errorf("runtime %q: want docker or process", name)
	}
	chaind, err := g.chaindPath()
	if err != nil && needChaind {
		return nil, err
	}
	return mk(runtime.Options{StateDir: g.stateDir(devnet), Chaind: chaind, Log: slog.Default()})
}

// newRunner loads a scenario and wires it to its runtime.
func (g *globals) newRunner(ctx context.Context, file string) (*runner.Runner, error) {
	cfg, err := scenario.Load(file)
	if err != nil {
		return nil, err
	}
	net, err := cfg.RuntimeNetwork()
	if err != nil {
		return nil, err
	}
	net.StateDir = g.stateDir(cfg.Name)
	rt, err := g.newRuntime(pickRuntime(ctx, g.runtime, cfg.Runtime), cfg.Name, true)
	if err != nil {
		return nil, err
	}
	return runner.New(cfg, net, rt, net.StateDir, g.out), nil
}

// devnet is an existing devnet found through its record.
type devnet struct {
	record runner.Record
	net    *runtime.Network
	rt     runtime.Runtime
}

// names lists the devnets that have a record under the state root.
func (g *globals) names() ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(g.stateRoot, "*", runner.RecordFile))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, m := range matches {
		names = append(names, filepath.Base(filepath.Dir(m)))
	}
	sort.Strings(names)
	return names, nil
}

// pick resolves the devnet a command acts on: the one named, or the only one.
func (g *globals) pick(name string) (string, error) {
	if name != "" {
		return name, nil
	}
	names, err := g.names()
	if err != nil {
		return "", err
	}
	switch len(names) {
	case 0:
		return "", fmt.Errorf("no devnet in %s (start one with `devnet up -f FILE`)", g.stateRoot)
	case 1:
		return names[0], nil
	}
	return "", fmt.Errorf("%d devnets in %s (%s): name one with --name", len(names), g.stateRoot, strings.Join(names, ", "))
}

// open attaches to an existing devnet without creating anything.
func (g *globals) open(ctx context.Context, name string) (*devnet, error) {
	name, err := g.pick(name)
	if err != nil {
		return nil, err
	}
	d := &devnet{}
	if d.record, err = g.readRecord(name); err != nil {
		return nil, err
	}
	d.net = &runtime.Network{}
	if err := json.Unmarshal(d.record.Network, d.net); err != nil {
		return nil, fmt.Errorf("devnet %s: record: %w", name, err)
	}
	if d.rt, err = g.newRuntime(d.record.Runtime, name, false); err != nil {
		return nil, err
	}
	if a, ok := d.rt.(runtime.Attacher); ok {
		err = a.Attach(ctx, d.net)
	} else {
		err = d.rt.Setup(ctx, d.net)
	}
	if err != nil {
		return nil, fmt.Errorf("devnet %s: %w", name, err)
	}
	return d, nil
}

// nodeNames are the devnet's nodes, or the ones asked for (checked).
func (d *devnet) nodeNames(asked []string) ([]string, error) {
	var all []string
	known := map[string]bool{}
	for _, n := range d.net.Nodes {
		all = append(all, n.Name)
		known[n.Name] = true
	}
	if len(asked) == 0 {
		return all, nil
	}
	for _, n := range asked {
		if !known[n] {
			return nil, fmt.Errorf("devnet %s has no node %q (nodes: %s)", d.net.Name, n, strings.Join(all, ", "))
		}
	}
	return asked, nil
}

// readRecord reads <state-dir>/<name>/devnet.json.
func (g *globals) readRecord(name string) (runner.Record, error) {
	var rec runner.Record
	raw, err := os.ReadFile(filepath.Join(g.stateDir(name), runner.RecordFile))
	if err != nil {
		return rec, fmt.Errorf("devnet %s: %w", name, err)
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return rec, fmt.Errorf("devnet %s: record: %w", name, err)
	}
	return rec, nil
}
