//go:build chaosfault

package blockchain

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/store"
)

// injectFault plants the bug `make chaos` must find: opened for the fourth
// time (its third restart), the chain forgets one unspent output. Only a
// chaind built with -tags chaosfault has it; it exists to prove that the
// chaos runs' UTXO invariant catches such a bug and that shrinking brings
// the schedule down to the restarts that cause it.
func (c *Chain) injectFault() error {
	path := filepath.Join(c.dataDir, "chaosfault.opens")
	raw, _ := os.ReadFile(path)
	n, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	n++
	if err := os.WriteFile(path, []byte(strconv.Itoa(n)), 0o600); err != nil {
		return err
	}
	if n != 4 {
		return nil
	}
	errDone := errors.New("done")
	return c.db.Update(func(x *store.Txn) error {
		err := x.ForEachUTXO(func(op chain.OutPoint, out chain.TxOut) error {
			if err := x.SpendUTXO(op, out); err != nil {
				return err
			}
			return errDone
		})
		if errors.Is(err, errDone) {
			return nil
		}
		return err
	})
}
