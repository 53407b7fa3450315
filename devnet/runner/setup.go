package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Record is <state-dir>/devnet.json: what a later devnet invocation needs to
// find a devnet whatever its runtime.
type Record struct {
	Name     string          `json:"name"`
	Runtime  string          `json:"runtime"`
	Scenario string          `json:"scenario"`
	Network  json.RawMessage `json:"network"`
}

// RecordFile is the record's name inside the state dir.
const RecordFile = "devnet.json"

// Setup records the devnet, prepares the runtime and creates the wallets
// the scenario names, before any node runs (offline, through Exec).
func (r *Runner) Setup(ctx context.Context) error {
	r.steps.printf("devnet %s: %d nodes, %s runtime, state in %s", r.Net.Name, len(r.Net.Nodes), r.Runtime.Name(), r.StateDir)
	if err := r.writeRecord(); err != nil {
		return err
	}
	if err := r.Runtime.Setup(ctx, r.Net); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	return r.createWallets(ctx)
}

func (r *Runner) writeRecord() error {
	if r.StateDir == "" {
		return nil
	}
	net, err := json.Marshal(r.Net)
	if err != nil {
		return err
	}
	raw, err := json.MarshalIndent(Record{Name: r.Net.Name, Runtime: r.Runtime.Name(), Scenario: r.Config.Pos.File, Network: net}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(r.StateDir, 0o755); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	return os.WriteFile(filepath.Join(r.StateDir, RecordFile), raw, 0o644)
}

// createWallets creates each node's missing wallets; an existing devnet
// (up again) keeps the ones it has.
func (r *Runner) createWallets(ctx context.Context) error {
	var names []string
	want := map[string][]string{}
	for _, n := range r.Config.ChainNodes() {
		if len(n.Spec.Wallets) > 0 {
			names = append(names, n.Name)
			want[n.Name] = n.Spec.Wallets
		}
	}
	return forEach(names, 4, func(name string) error {
		out, err := r.Runtime.Exec(ctx, name, "listaddresses")
		if err != nil {
			return fmt.Errorf("setup: wallets of %s: %w", name, err)
		}
		have := map[string]bool{}
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) > 0 {
				have[f[0]] = true
			}
		}
		for _, alias := range want[name] {
			if have[alias] {
				continue
			}
			if _, err := r.Runtime.Exec(ctx, name, "createwallet", "-alias", alias); err != nil {
				return fmt.Errorf("setup: wallet %s on %s: %w", alias, name, err)
			}
		}
		return nil
	})
}
