package wire

import "github.com/devchain/devchain/node/chain"

// CmdTx carries one transaction.
const CmdTx = "tx"

// Tx carries a transaction in the chain's canonical encoding, decoded with
// chain.DecodeTx.
type Tx struct{ Tx *chain.Tx }

func (*Tx) Command() string    { return CmdTx }
func (m *Tx) encode(w *writer) { w.bytes(m.Tx.Bytes()) }
func (m *Tx) decode(r *reader) error {
	raw, err := r.bytes(chain.MaxTxSize, "tx")
	if err != nil {
		return err
	}
	m.Tx, err = chain.DecodeTx(raw)
	return err
}
