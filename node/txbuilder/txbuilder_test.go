package txbuilder

import (
	"errors"
	"testing"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/wallet"
)

func TestSend(t *testing.T) {
	k, _ := wallet.NewKey()
	to := [20]byte{7}
	utxos := []blockchain.UTXO{
		{OutPoint: chain.OutPoint{TxID: chain.Hash{1}}, Value: 10},
		{OutPoint: chain.OutPoint{TxID: chain.Hash{2}}, Value: 20},
		{OutPoint: chain.OutPoint{TxID: chain.Hash{3}}, Value: 30},
	}
	exclude := map[chain.OutPoint]bool{utxos[0].OutPoint: true}
	tx, err := Send(k, utxos, exclude, to, 25, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(tx.Inputs) != 2 || tx.Inputs[0].Prev != utxos[1].OutPoint {
		t.Fatalf("inputs %+v", tx.Inputs)
	}
	if tx.Outputs[0] != (chain.TxOut{Value: 25, PubKeyHash: to}) || tx.Outputs[1] != (chain.TxOut{Value: 24, PubKeyHash: k.PubKeyHash()}) {
		t.Fatalf("outputs %+v", tx.Outputs)
	}
	for i := range tx.Inputs {
		if err := chain.VerifyInput(tx, i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Send(k, utxos, exclude, to, 50, 1); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("overspend: %v", err)
	}
	if _, err := Send(k, utxos, nil, to, 0, 0); err == nil {
		t.Fatal("zero amount accepted")
	}
	if tx, err := Send(k, utxos, nil, to, 60, 0); err != nil || len(tx.Outputs) != 1 {
		t.Fatalf("exact amount: %v, %+v", err, tx)
	}
}

// Every signature the builder makes is low-S, whatever Go's signer gave
// (about half of its signatures have S above N/2), and verifies.
func TestSendSignsLowS(t *testing.T) {
	k, err := wallet.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	const txs = 500
	inputs, high := 0, 0
	for i := range txs {
		utxos := []blockchain.UTXO{
			{OutPoint: chain.OutPoint{TxID: chain.Hash{byte(i), byte(i >> 8)}}, Value: 10},
			{OutPoint: chain.OutPoint{TxID: chain.Hash{byte(i), byte(i >> 8)}, Index: 1}, Value: 10},
		}
		tx, err := Send(k, utxos, nil, [20]byte{7}, 15, 1)
		if err != nil {
			t.Fatal(err)
		}
		for j := range tx.Inputs {
			inputs++
			if err := chain.CheckLowS(tx, j); err != nil {
				high++
				t.Errorf("tx %d input %d: %v", i, j, err)
			}
			if err := chain.VerifyInput(tx, j); err != nil {
				t.Fatalf("tx %d input %d: %v", i, j, err)
			}
		}
	}
	t.Logf("%d txs built, %d inputs signed, %d with S above N/2", txs, inputs, high)
}
