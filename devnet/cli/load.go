package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/load"
	"github.com/devchain/devchain/devnet/scenario"
	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/node/chain"
)

func newLoadCommand(g *globals) *cobra.Command {
	var (
		name, output string
		cfg          load.Config
		rate         string
	)
	cmd := &cobra.Command{
		Use:   "load [NODE...] [--rate N|max] [--for D] [--wallets N]",
		Short: "Submit signed payments to a running devnet's chain nodes (default: all) and report throughput and latency",
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := scenario.ParseRate(rate)
			if err != nil {
				return fmt.Errorf("--rate %w", err)
			}
			cfg.Rate = r.PerSecond()
			if cfg.Wallets < 1 || cfg.Wallets > scenario.MaxLoadWallets || cfg.For <= 0 || cfg.For > scenario.MaxDuration {
				return fmt.Errorf("load: want 1 to %d wallets and --for up to %s, got %d and %s", scenario.MaxLoadWallets, scenario.MaxDuration, cfg.Wallets, cfg.For)
			}
			if output != "text" && output != "json" {
				return fmt.Errorf("--output %q: want text or json", output)
			}
			d, err := g.open(cmd.Context(), name)
			if err != nil {
				return err
			}
			defer d.be.Close()
			nodes, err := d.nodeNames(args)
			if err != nil {
				return err
			}
			var targets []load.Target
			for _, n := range nodes {
				if node, _ := d.net.Node(n); node.Role != spec.RoleNode {
					if len(args) > 0 {
						return fmt.Errorf("load: %s is a bootstrap node, which takes no payments", n)
					}
					continue
				}
				c, err := backend.Client(d.be, n)
				if err != nil {
					return err
				}
				targets = append(targets, load.Target{Name: n, Client: c})
			}
			cfg.Subsidy = chain.DefaultParams().Subsidy
			say := func(format string, args ...any) { fmt.Fprintf(g.err, format+"\n", args...) }
			rep, err := load.Run(cmd.Context(), cfg, targets, say)
			if rep == nil {
				return err
			}
			if output == "json" {
				enc := json.NewEncoder(g.out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				for _, line := range rep.Lines() {
					fmt.Fprintln(g.out, line)
				}
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "devnet name (default: the only one)")
	fl.StringVar(&rate, "rate", fmt.Sprint(scenario.DefaultLoadRate), "payments per second over all wallets, or max: as fast as the nodes accept")
	fl.DurationVar(&cfg.For, "for", scenario.DefaultLoadFor, "how long to submit")
	fl.IntVar(&cfg.Wallets, "wallets", scenario.DefaultLoadWallets, "payers, funded first by minting on the first node")
	fl.Uint64Var(&cfg.Fee, "fee", scenario.DefaultLoadFee, "fee of each payment")
	fl.DurationVar(&cfg.ConfirmWithin, "confirm-within", scenario.DefaultLoadConfirmWithin, "how long to wait for the confirmations after the last submission")
	fl.StringVarP(&output, "output", "o", "text", "text or json (the load.json report)")
	return cmd
}
