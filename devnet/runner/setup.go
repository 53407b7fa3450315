package runner

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/devnet/state"
	"github.com/devchain/devchain/internal/fanout"
)

// Setup records the devnet, prepares the runtime and creates the wallets
// the scenario names, before any node runs (offline, through Exec).
func (r *Runner) Setup(ctx context.Context) error {
	where := ""
	if r.Store != nil {
		where = ", state in " + r.Store.Dir(r.Net.Name)
	}
	r.steps.printf("devnet %s: %d nodes, %s runtime%s", r.Net.Name, len(r.Net.Nodes), r.Backend.Name(), where)
	// Recorded before the backend acts, so `devnet down` finds a devnet
	// whose setup failed half way; and again after, with what the backend
	// filled in (peer limits), so later invocations launch nodes the same.
	if err := r.writeRecord(); err != nil {
		return err
	}
	if err := r.networkKey(); err != nil {
		return err
	}
	if err := r.Backend.Setup(ctx, r.Net); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if err := r.writeRecord(); err != nil {
		return err
	}
	if n := r.chainNode(); n != nil && n.MaxPeers > 0 {
		r.steps.printf("chain nodes dial %d peers and hold at most %d connections", n.TargetPeers, n.MaxPeers)
	}
	return r.createWallets(ctx)
}

// networkKey gives the network its key when some node derives none from a
// seed: the devnet's network.key in its state dir, made once, so a devnet
// set up again (`up` while it runs, a node restarted later) keeps the key
// its nodes hold. Every path that starts nodes passes here before the
// backend's Setup. Without a store (runner tests) the key lives in memory.
func (r *Runner) networkKey() error {
	if !r.Net.NeedsKey() || r.Net.NetworkKey != nil {
		return nil
	}
	if r.Store == nil {
		r.Net.NetworkKey = backend.NewNetworkKey()
		return nil
	}
	key, err := backend.MakeNetworkKey(filepath.Join(r.Store.Dir(r.Net.Name), backend.NetworkKeyFile))
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	r.Net.NetworkKey = key
	return nil
}

// chainNode is the first chain node, or nil.
func (r *Runner) chainNode() *spec.Node {
	for i := range r.Net.Nodes {
		if r.Net.Nodes[i].Role == spec.RoleNode {
			return &r.Net.Nodes[i]
		}
	}
	return nil
}

func (r *Runner) writeRecord() error {
	return r.Store.Write(state.Record{Name: r.Net.Name, Backend: r.Backend.Name(), Scenario: r.Config.Pos.File, Network: r.Net})
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
	return fanout.Each(names, 4, func(name string) error {
		out, err := r.Backend.Exec(ctx, name, "listaddresses")
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
			if _, err := r.Backend.Exec(ctx, name, "createwallet", "-alias", alias); err != nil {
				return fmt.Errorf("setup: wallet %s on %s: %w", alias, name, err)
			}
		}
		return nil
	})
}
