package wire

// CmdBlock carries one block.
const CmdBlock = "block"

// Block carries a block in the chain's canonical encoding; the receiver
// decodes it with chain.DecodeBlock, which enforces the block size limits.
type Block struct{ Raw []byte }

func (*Block) Command() string    { return CmdBlock }
func (m *Block) encode(w *writer) { w.bytes(m.Raw) }
func (m *Block) decode(r *reader) (err error) {
	m.Raw, err = r.bytes(MaxPayload, "block")
	return err
}
