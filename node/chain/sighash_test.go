package chain

import "testing"

// Every field a signature commits to changes the digest; signatures do not.
func TestSigHashCommits(t *testing.T) {
	base := SigHash(sampleTx(), 0)
	mutations := map[string]func(*Tx){
		"version":      func(tx *Tx) { tx.Version++ },
		"outpoint":     func(tx *Tx) { tx.Inputs[1].Prev.Index++ },
		"output value": func(tx *Tx) { tx.Outputs[0].Value++ },
		"output key":   func(tx *Tx) { tx.Outputs[1].PubKeyHash[0] = 1 },
		"extra output": func(tx *Tx) { tx.Outputs = append(tx.Outputs, TxOut{Value: 1}) },
		"own key":      func(tx *Tx) { tx.Inputs[0].PubKey = append([]byte{5}, tx.Inputs[0].PubKey[1:]...) },
	}
	for name, m := range mutations {
		tx := sampleTx()
		m(tx)
		if SigHash(tx, 0) == base {
			t.Errorf("%s: digest unchanged", name)
		}
	}
	tx := sampleTx()
	tx.Inputs[0].Signature = []byte{1, 2, 3, 4}
	tx.Inputs[1].Signature = nil
	if SigHash(tx, 0) != base {
		t.Error("signatures must not change the digest")
	}
	if SigHash(sampleTx(), 1) == base {
		t.Error("input index must change the digest")
	}
}
