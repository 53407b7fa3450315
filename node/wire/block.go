package wire

import "github.com/devchain/devchain/node/chain"

// CmdBlock carries one block.
const CmdBlock = "block"

// Block carries a block in the chain's canonical encoding, decoded with
// chain.DecodeBlock (which enforces the block size and shape limits), so
// bytes that are no block fail here like any malformed message.
type Block struct{ Block *chain.Block }

func (*Block) Command() string    { return CmdBlock }
func (m *Block) encode(w *writer) { w.bytes(m.Block.Bytes()) }
func (m *Block) decode(r *reader) error {
	raw, err := r.bytes(chain.MaxBlockSize, "block")
	if err != nil {
		return err
	}
	m.Block, err = chain.DecodeBlock(raw)
	return err
}
