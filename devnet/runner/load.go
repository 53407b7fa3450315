package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/devchain/devchain/devnet/load"
	"github.com/devchain/devchain/devnet/scenario"
	"github.com/devchain/devchain/node/chain"
)

// LoadFile is where the reports of a run's load steps go, in its artefacts dir.
const LoadFile = "load.json"

// txLoad runs a load step on the running target nodes: its figures go to
// the step log, the step's JUnit properties and LoadFile.
func (r *Runner) txLoad(ctx context.Context, nodes []string, a *scenario.TxLoad) error {
	var targets []load.Target
	for _, n := range nodes {
		if r.isDown(n) != "" {
			continue
		}
		c, err := r.client(n)
		if err != nil {
			return err
		}
		targets = append(targets, load.Target{Name: n, Client: c})
	}
	if len(targets) == 0 {
		return fmt.Errorf("load: no running node among %v", nodes)
	}
	cfg := load.Config{
		Wallets: a.Wallets, Rate: a.Rate.PerSecond(), For: a.For.D(), Fee: a.Fee,
		ConfirmWithin: a.ConfirmWithin.D(), Subsidy: chain.DefaultParams().Subsidy,
		Accepted: r.recordPayment,
	}
	rep, err := load.Run(ctx, cfg, targets, func(format string, args ...any) { r.steps.printf("     "+format, args...) })
	if a.BestEffort && errors.Is(err, load.ErrNoFunds) {
		r.steps.printf("     %v: not a failure (best effort)", err)
		return nil
	}
	if err != nil {
		return err
	}
	for _, line := range rep.Lines() {
		r.steps.printf("     %s", line)
	}
	r.mu.Lock()
	r.loads = append(r.loads, rep)
	r.stepProps = rep.Properties()
	r.mu.Unlock()
	if err := r.writeLoads(); err != nil {
		return err
	}
	if a.MinTPS > 0 && rep.ConfirmedTPS < a.MinTPS {
		return fmt.Errorf("confirmed %.1f tx/s, want at least %g", rep.ConfirmedTPS, a.MinTPS)
	}
	if a.MaxUnconfirmed != nil && rep.Accepted-rep.Confirmed > *a.MaxUnconfirmed {
		return fmt.Errorf("%d accepted payments unconfirmed after %s, want at most %d", rep.Accepted-rep.Confirmed, a.ConfirmWithin, *a.MaxUnconfirmed)
	}
	return nil
}

// writeLoads writes every load report of the run so far to LoadFile.
func (r *Runner) writeLoads() error {
	if r.Artifacts == "" {
		return nil
	}
	if err := os.MkdirAll(r.Artifacts, 0o755); err != nil {
		return err
	}
	r.mu.Lock()
	raw, err := json.MarshalIndent(r.loads, "", "  ")
	r.mu.Unlock()
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(r.Artifacts, LoadFile), append(raw, '\n'), 0o644)
}
