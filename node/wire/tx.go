package wire

// CmdTx carries one transaction.
const CmdTx = "tx"

// Tx carries a transaction in the chain's canonical encoding (decoded by
// the receiver with chain.DecodeTx).
type Tx struct{ Raw []byte }

func (*Tx) Command() string    { return CmdTx }
func (m *Tx) encode(w *writer) { w.bytes(m.Raw) }
func (m *Tx) decode(r *reader) (err error) {
	m.Raw, err = r.bytes(MaxPayload, "tx")
	return err
}
