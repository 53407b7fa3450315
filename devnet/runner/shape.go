package runner

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/devchain/devchain/devnet/scenario"
	"github.com/devchain/devchain/internal/fanout"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/shaping"
)

// shape sets a shape step's conditions on the links between its sets, or
// with unshape takes them off, and sends each node whose rules changed its
// new set of rules.
func (r *Runner) shape(ctx context.Context, between []scenario.Targets, rule shaping.Rule, unshape bool) error {
	var pairs [][2]string
	r.mu.Lock()
	if unshape && between == nil {
		pairs = slices.Collect(maps.Keys(r.links))
	} else {
		pairs = r.Config.LinkPairs(between)
	}
	from := map[string]bool{}
	for _, p := range pairs {
		if unshape {
			delete(r.links, p)
		} else {
			r.links[p] = rule
		}
		from[p[0]] = true
	}
	r.mu.Unlock()
	if err := fanout.Each(slices.Sorted(maps.Keys(from)), startParallel, func(name string) error { return r.pushLinks(ctx, name) }); err != nil {
		return err
	}
	r.steps.printf("     %d links on %d nodes", len(pairs), len(from))
	return nil
}

// pushLinks sends a node the rules shape steps set on its links (its
// launch default, network.links, stays). A node that is down gets them
// when it is back (refreshLinks).
func (r *Runner) pushLinks(ctx context.Context, name string) error {
	if r.isDown(name) != "" {
		r.mu.Lock()
		r.linksStale[name] = true
		r.mu.Unlock()
		return nil
	}
	req := controlapi.Links{Rules: []controlapi.LinkRule{}}
	r.mu.Lock()
	for p, rule := range r.links {
		if p[0] != name {
			continue
		}
		to, ok := r.Net.Node(p[1])
		if !ok {
			r.mu.Unlock()
			return fmt.Errorf("link %s → %s: no such node", p[0], p[1])
		}
		req.Rules = append(req.Rules, controlapi.LinkRule{Peer: to.PeerID, Rule: rule.String()})
	}
	delete(r.linksStale, name)
	r.mu.Unlock()
	err := r.call(ctx, name, func(c *controlapi.Client) error {
		_, err := c.SetLinks(ctx, req)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: link rules: %w", name, err)
	}
	return nil
}

// refreshLinks gives a node that is back its rules: a started node has
// only its launch default, a paused one missed the changes made meanwhile.
func (r *Runner) refreshLinks(ctx context.Context, name string, started bool) error {
	r.mu.Lock()
	need := r.linksStale[name]
	if started {
		for p := range r.links {
			need = need || p[0] == name
		}
	}
	r.mu.Unlock()
	if !need {
		return nil
	}
	return r.pushLinks(ctx, name)
}
