// Package txbuilder builds signed payments from a wallet key and its
// unspent outputs.
package txbuilder

import (
	"errors"
	"fmt"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/wallet"
)

// ErrInsufficientFunds is wrapped when the spendable outputs do not cover
// the amount and fee.
var ErrInsufficientFunds = errors.New("insufficient funds")

// Send builds a transaction signed by key paying amount to `to` (and fee to
// the miner) from utxos, which must pay key, taken in the order given,
// skipping any outpoint in exclude (already spent by unconfirmed
// transactions). Change goes back to key's address.
func Send(key *wallet.Key, utxos []blockchain.UTXO, exclude map[chain.OutPoint]bool, to [20]byte, amount, fee uint64) (*chain.Tx, error) {
	if amount == 0 {
		return nil, errors.New("amount must be positive")
	}
	if amount > chain.MaxMoney || fee > chain.MaxMoney {
		return nil, fmt.Errorf("amount %d or fee %d above the maximum %d", amount, fee, uint64(chain.MaxMoney))
	}
	need := amount + fee
	tx := &chain.Tx{Version: chain.TxVersion}
	var have, spendable uint64
	for _, u := range utxos {
		if exclude[u.OutPoint] {
			continue
		}
		spendable += u.Value
		if have >= need {
			continue
		}
		if len(tx.Inputs) == chain.MaxTxInputs/2 {
			return nil, fmt.Errorf("paying %d needs more than %d inputs; send a smaller amount first", need, chain.MaxTxInputs/2)
		}
		tx.Inputs = append(tx.Inputs, chain.TxIn{Prev: u.OutPoint})
		have += u.Value
	}
	if have < need {
		return nil, fmt.Errorf("%w: %s can spend %d, the payment needs %d", ErrInsufficientFunds, key.Address(), spendable, need)
	}
	tx.Outputs = append(tx.Outputs, chain.TxOut{Value: amount, PubKeyHash: to})
	if change := have - need; change > 0 {
		tx.Outputs = append(tx.Outputs, chain.TxOut{Value: change, PubKeyHash: key.PubKeyHash()})
	}
	if err := key.SignInputs(tx); err != nil {
		return nil, err
	}
	return tx, nil
}

// SendFromChain is Send over the outputs c holds for key.
func SendFromChain(c *blockchain.Chain, key *wallet.Key, exclude map[chain.OutPoint]bool, to [20]byte, amount, fee uint64) (*chain.Tx, error) {
	utxos, err := c.UTXOs(key.PubKeyHash())
	if err != nil {
		return nil, err
	}
	return Send(key, utxos, exclude, to, amount, fee)
}
