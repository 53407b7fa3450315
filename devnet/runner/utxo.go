package runner

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/devchain/devchain/node/controlapi"
)

// utxo holds when each running node's stored UTXO set is the one its
// blocks make and within their subsidies, and nodes on one tip hold the
// same set.
func (r *Runner) utxo(nodes []string) condition {
	return func(ctx context.Context, s *snapshot) (bool, string, error) {
		got := map[string]controlapi.UTXOCheck{}
		ok, what, err := r.eachNode(nodes, func(ctx context.Context, name string, _ *controlapi.Status) (bool, string, error) {
			c, err := r.client(name)
			if err != nil {
				return false, "", err
			}
			u, err := c.CheckUTXOs(ctx)
			switch {
			case err != nil:
				return false, err.Error(), nil
			case u.Stored != u.Rebuilt:
				return false, fmt.Sprintf("stored UTXO set (%d outputs, %d coins, %s) differs from the one its blocks make (%d, %d, %s) at height %d",
					u.Stored.Count, u.Stored.Total, short(u.Stored.Digest), u.Rebuilt.Count, u.Rebuilt.Total, short(u.Rebuilt.Digest), u.Height), nil
			case u.Stored.Total > u.MaxSupply:
				return false, fmt.Sprintf("%d coins at height %d, more than the %d its subsidies made", u.Stored.Total, u.Height, u.MaxSupply), nil
			}
			got[name] = u
			return true, "", nil
		})(ctx, s)
		if !ok || err != nil {
			return ok, what, err
		}
		first := map[string]string{} // tip → the first node there
		for _, n := range slices.Sorted(maps.Keys(got)) {
			other, seen := first[got[n].Tip]
			if !seen {
				first[got[n].Tip] = n
				continue
			}
			if got[other].Stored != got[n].Stored {
				return false, fmt.Sprintf("%s and %s are both at tip %s but hold different UTXO sets", other, n, short(got[n].Tip)), nil
			}
		}
		return true, "", nil
	}
}
