package wire

// CmdGetData requests the items of an inv.
const CmdGetData = "getdata"

// GetData asks for full blocks or transactions; they are answered in the
// order asked, which keeps a batch of blocks parent-first.
type GetData struct{ Items []InvVect }

func (*GetData) Command() string    { return CmdGetData }
func (m *GetData) encode(w *writer) { invList(m.Items).encode(w) }
func (m *GetData) decode(r *reader) (err error) {
	m.Items, err = decodeInvList(r)
	return err
}
