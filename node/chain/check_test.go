package chain

import (
	"bytes"
	"testing"
)

func TestCheckTxSanity(t *testing.T) {
	pub := bytes.Repeat([]byte{4}, PubKeyLen)
	big := &Tx{Version: TxVersion, Outputs: []TxOut{{Value: 1}}}
	for i := 0; i < 1000; i++ {
		big.Inputs = append(big.Inputs, TxIn{Prev: OutPoint{Index: uint32(i), TxID: Hash{1}}, Signature: make([]byte, 72), PubKey: pub})
	}
	cases := map[Rule]*Tx{
		RuleTxSize:      big,
		RuleTxVersion:   {Version: 0, Inputs: sampleTx().Inputs, Outputs: sampleTx().Outputs},
		RuleNoInputs:    {Version: TxVersion, Outputs: []TxOut{{Value: 1}}},
		RuleNoOutputs:   {Version: TxVersion, Inputs: sampleTx().Inputs},
		RuleOutputValue: {Version: TxVersion, Inputs: sampleTx().Inputs, Outputs: []TxOut{{Value: MaxMoney}, {Value: 1}}},
		RuleInputShape:  {Version: TxVersion, Inputs: []TxIn{{Prev: OutPoint{TxID: Hash{1}}, PubKey: pub}}, Outputs: []TxOut{{Value: 1}}},
		RuleCoinbase:    {Version: TxVersion, Inputs: []TxIn{{Prev: OutPoint{Index: CoinbaseIndex}, Signature: []byte{1}}}, Outputs: []TxOut{{Value: 1}}},
	}
	for rule, tx := range cases {
		if got := RuleOf(CheckTxSanity(tx)); got != rule {
			t.Errorf("%s: got rule %q", rule, got)
		}
	}
	if err := CheckTxSanity(sampleTx()); err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeTx(big.Bytes()); err == nil {
		t.Error("oversized transaction decoded")
	}
}
