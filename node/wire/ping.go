package wire

// CmdPing and CmdPong keep an idle stream alive within the read deadline.
const (
	CmdPing = "ping"
	CmdPong = "pong"
)

// Ping asks the peer to answer with a Pong carrying the same nonce.
type Ping struct{ Nonce uint64 }

func (*Ping) Command() string    { return CmdPing }
func (m *Ping) encode(w *writer) { w.u64(m.Nonce) }
func (m *Ping) decode(r *reader) (err error) {
	m.Nonce, err = r.u64()
	return err
}

// Pong answers a Ping.
type Pong struct{ Nonce uint64 }

func (*Pong) Command() string    { return CmdPong }
func (m *Pong) encode(w *writer) { w.u64(m.Nonce) }
func (m *Pong) decode(r *reader) (err error) {
	m.Nonce, err = r.u64()
	return err
}
