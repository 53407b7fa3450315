package wire

// CmdNotFound answers getdata items the sender does not have.
const CmdNotFound = "notfound"

// NotFound lists requested items that could not be served.
type NotFound struct{ Items []InvVect }

func (*NotFound) Command() string    { return CmdNotFound }
func (m *NotFound) encode(w *writer) { invList(m.Items).encode(w) }
func (m *NotFound) decode(r *reader) (err error) {
	m.Items, err = decodeInvList(r)
	return err
}
