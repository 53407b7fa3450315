package blockchain

import (
	"sync/atomic"
	"testing"

	"github.com/devchain/devchain/node/chain"
)

// Every input is checked whatever the worker count, and one bad signature
// anywhere fails the block.
func TestVerifyBlockSignatures(t *testing.T) {
	k := newKey(t)
	var txs []*chain.Tx
	for i := 0; i < 40; i++ {
		txs = append(txs, pay(t, k, []chain.OutPoint{{TxID: chain.Hash{byte(i)}}, {TxID: chain.Hash{byte(i), 1}}},
			chain.TxOut{Value: 1, PubKeyHash: k.PubKeyHash()}))
	}
	for _, workers := range []int{1, 2, 3, 8} {
		if err := verifyBlockSignatures(txs, 80, workers, new(atomic.Uint64)); err != nil {
			t.Fatalf("workers %d: %v", workers, err)
		}
		for _, bad := range []int{0, 17, 39} {
			saved := txs[bad].Inputs[1].Signature
			other := txs[(bad+1)%len(txs)].Inputs[1].Signature
			txs[bad].Inputs[1].Signature = other
			err := verifyBlockSignatures(txs, 80, workers, new(atomic.Uint64))
			txs[bad].Inputs[1].Signature = saved
			if chain.RuleOf(err) != chain.RuleSignature {
				t.Fatalf("workers %d, bad tx %d: %v", workers, bad, err)
			}
		}
	}
}
