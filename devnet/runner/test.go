package runner

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/devchain/devchain/devnet/scenario"
	"github.com/devchain/devchain/node/controlapi"
)

// assert waits for an assertion step to hold (see waitFor).
func (r *Runner) assert(ctx context.Context, s *scenario.Step) error {
	nodes := r.Config.Resolve(s.Targets())
	var cond condition
	// Rising heights stretch the deadline of what depends on them; the rest
	// (peers, connected_via, log lines) keep their plain deadline.
	progress := (*snapshot).heights
	switch a := s.Action.(type) {
	case *scenario.Height:
		cond = r.eachNode(nodes, func(_ context.Context, name string, st *controlapi.Status) (bool, string, error) {
			return st.Height >= a.Min, fmt.Sprintf("height %d < %d", st.Height, a.Min), nil
		})
	case *scenario.Peers:
		cond = r.eachNode(nodes, func(_ context.Context, name string, st *controlapi.Status) (bool, string, error) {
			return st.Peers >= a.Min, fmt.Sprintf("%d peers < %d", st.Peers, a.Min), nil
		})
		progress = noProgress
	case *scenario.ConnectedVia:
		cond = r.eachNode(nodes, func(_ context.Context, name string, st *controlapi.Status) (bool, string, error) {
			return slices.Contains(a.Via, st.ConnectedVia), fmt.Sprintf("connected_via %q, want %s", st.ConnectedVia, strings.Join(a.Via, " or ")), nil
		})
		progress = noProgress
	case *scenario.Balance:
		cond = r.balance(nodes, a)
	case *scenario.Log:
		cond = r.logMatch(nodes, regexp.MustCompile(a.Match)) // Validate compiled it already
		progress = noProgress
	case *scenario.Converged:
		cond = r.converged(nodes, a.MinHeight)
	case *scenario.RTT:
		cond = r.rtt(nodes, a)
		progress = noProgress
	case *scenario.Propagation:
		cond = r.propagation(nodes, a)
	case *scenario.Throughput:
		cond = r.throughput(nodes, a)
	case *scenario.UTXO:
		cond = r.utxo(nodes)
		progress = noProgress
	case *scenario.Payments:
		cond = r.payments(nodes)
	default:
		return fmt.Errorf("%s: no assertion %T", s.Pos, s.Action)
	}
	return r.waitFor(ctx, s.Within(), progress, cond)
}

// noProgress is the progress measure of a wait that nothing stretches.
func noProgress(*snapshot) uint64 { return 0 }

// nodeCheck judges one node; the string says what is wrong when it does not hold.
type nodeCheck func(ctx context.Context, name string, st *controlapi.Status) (bool, string, error)

// eachNode holds when check holds on every running node; nodes the scenario
// stopped or paused are skipped, and if that leaves none it fails at once.
func (r *Runner) eachNode(nodes []string, check nodeCheck) condition {
	return func(ctx context.Context, s *snapshot) (bool, string, error) {
		var missing, skipped []string
		for _, n := range nodes {
			if why := s.down[n]; why != "" {
				skipped = append(skipped, n+" "+why)
				continue
			}
			st := s.status[n]
			if st == nil {
				missing = append(missing, fmt.Sprintf("%s: not answering (%v)", n, s.errs[n]))
				continue
			}
			ok, what, err := check(ctx, n, st)
			if err != nil {
				return false, "", err
			}
			if !ok {
				missing = append(missing, n+": "+what)
			}
		}
		if len(skipped) == len(nodes) {
			return false, "", fmt.Errorf("no running node to check: %s", strings.Join(skipped, ", "))
		}
		return len(missing) == 0, strings.Join(missing, "; "), nil
	}
}

func (r *Runner) balance(nodes []string, a *scenario.Balance) condition {
	return r.eachNode(nodes, func(ctx context.Context, name string, _ *controlapi.Status) (bool, string, error) {
		addr, err := r.resolveWallet(ctx, a.Wallet)
		if err != nil {
			return false, err.Error(), nil // the wallet may not be known yet
		}
		c, err := r.client(name)
		if err != nil {
			return false, "", err
		}
		bal, err := c.Balance(ctx, addr)
		if err != nil {
			return false, err.Error(), nil
		}
		got := bal.Balance
		if a.Equals != nil {
			return got == *a.Equals, fmt.Sprintf("balance of %s is %d, want %d", a.Wallet, got, *a.Equals), nil
		}
		return got >= *a.Min, fmt.Sprintf("balance of %s is %d, want ≥ %d", a.Wallet, got, *a.Min), nil
	})
}

// rtt holds when each node's last round trip to a.Peer is in [Min, Max].
func (r *Runner) rtt(nodes []string, a *scenario.RTT) condition {
	to, ok := r.Net.Node(a.Peer)
	if !ok {
		return func(context.Context, *snapshot) (bool, string, error) {
			return false, "", fmt.Errorf("rtt: no node %s", a.Peer)
		}
	}
	return r.eachNode(nodes, func(ctx context.Context, name string, _ *controlapi.Status) (bool, string, error) {
		c, err := r.client(name)
		if err != nil {
			return false, "", err
		}
		peers, err := c.Peers(ctx)
		if err != nil {
			return false, err.Error(), nil
		}
		for _, p := range peers {
			if p.PeerID != to.PeerID {
				continue
			}
			if p.Pongs == 0 {
				return false, "no round trip to " + a.Peer + " measured yet", nil
			}
			got := time.Duration(p.RTTMillis * float64(time.Millisecond))
			return got >= a.Min.D() && got <= a.Max.D(),
				fmt.Sprintf("round trip to %s %s, want %s to %s (link %q)", a.Peer, got.Round(10*time.Microsecond), a.Min, a.Max, p.Link), nil
		}
		return false, "not connected to " + a.Peer, nil
	})
}

// resolveWallet turns "node/alias" into that node's address for alias;
// anything else (an alias on the asking node, an address) passes through.
func (r *Runner) resolveWallet(ctx context.Context, ref string) (string, error) {
	owner, alias, ok := strings.Cut(ref, "/")
	if !ok {
		return ref, nil
	}
	// A wallet's address never changes: asked once, it is known while its
	// node is down too.
	r.mu.Lock()
	addr, known := r.addrs[ref]
	r.mu.Unlock()
	if known {
		return addr, nil
	}
	var ws []controlapi.Wallet
	err := r.call(ctx, owner, func(c *controlapi.Client) (err error) {
		ws, err = c.Wallets(ctx)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("wallets of %s: %w", owner, err)
	}
	for _, w := range ws {
		if w.Alias == alias {
			r.mu.Lock()
			r.addrs[ref] = w.Address
			r.mu.Unlock()
			return w.Address, nil
		}
	}
	return "", fmt.Errorf("node %s has no wallet %q", owner, alias)
}

func (r *Runner) logMatch(nodes []string, re *regexp.Regexp) condition {
	seen := map[string]bool{}
	return func(ctx context.Context, s *snapshot) (bool, string, error) {
		var missing []string
		for _, n := range nodes {
			if seen[n] {
				continue
			}
			var buf bytes.Buffer
			if err := r.Backend.Logs(ctx, n, false, &buf); err != nil {
				return false, "", fmt.Errorf("log of %s: %w", n, err)
			}
			if re.Match(buf.Bytes()) {
				seen[n] = true
				continue
			}
			missing = append(missing, n)
		}
		return len(missing) == 0, fmt.Sprintf("/%s/ not in the log of %s", re, strings.Join(missing, ", ")), nil
	}
}

// converged holds when every running target node has the same tip (at
// least minHeight). Its report lists each node's tip and where the chains fork.
func (r *Runner) converged(nodes []string, minHeight uint64) condition {
	return func(ctx context.Context, s *snapshot) (bool, string, error) {
		var running []string
		tips := map[string][]string{}
		for _, n := range nodes {
			if s.down[n] != "" {
				continue
			}
			st := s.status[n]
			if st == nil {
				return false, fmt.Sprintf("%s not answering (%v)", n, s.errs[n]), nil
			}
			running = append(running, n)
			tips[st.Tip] = append(tips[st.Tip], n)
		}
		if len(running) == 0 {
			return false, "", fmt.Errorf("no running node among %s", strings.Join(nodes, ", "))
		}
		if len(tips) == 1 {
			h := s.status[running[0]].Height
			return h >= minHeight, fmt.Sprintf("same tip at height %d < %d", h, minHeight), nil
		}
		return false, r.forkReport(ctx, s, running, tips), nil
	}
}

// forkReport says which nodes sit on which tip and the height where their
// chains part.
func (r *Runner) forkReport(ctx context.Context, s *snapshot, running []string, tips map[string][]string) string {
	var groups []string
	for tip, names := range tips {
		st := s.status[names[0]]
		groups = append(groups, fmt.Sprintf("tip %s height %d on %s", short(tip), st.Height, strings.Join(names, ",")))
	}
	sort.Strings(groups)
	report := fmt.Sprintf("%d different tips: %s", len(tips), strings.Join(groups, "; "))
	if fork, err := r.forkHeight(ctx, s, running); err == nil {
		report += fmt.Sprintf("; chains fork at height %d (last common block at %d)", fork, fork-1)
	} else {
		report += fmt.Sprintf("; fork height unknown: %v", err)
	}
	return report
}

// forkHeight is the first height where the running nodes' main chains
// differ. Chains that agree at h agree below it, so a binary search over
// heights needs O(log height) block lookups per node.
func (r *Runner) forkHeight(ctx context.Context, s *snapshot, running []string) (uint64, error) {
	top := s.status[running[0]].Height
	for _, n := range running {
		top = min(top, s.status[n].Height)
	}
	agree := func(h uint64) (bool, error) {
		first := ""
		for i, n := range running {
			c, err := r.client(n)
			if err != nil {
				return false, err
			}
			b, err := c.BlockAt(ctx, h)
			if err != nil {
				return false, fmt.Errorf("%s block %d: %w", n, h, err)
			}
			if i == 0 {
				first = b.Hash
			} else if b.Hash != first {
				return false, nil
			}
		}
		return true, nil
	}
	// Invariant: agree(lo) (genesis is shared); find the first h in (lo, top+1] that disagrees.
	lo, hi := uint64(0), top+1
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := agree(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi, nil
}
