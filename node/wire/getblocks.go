package wire

// CmdGetBlocks asks for the hashes of blocks after a locator.
const CmdGetBlocks = "getblocks"

// GetBlocks carries a block locator (tip first, exponentially sparser
// back to genesis); the answer is an inv of the main-chain blocks after
// the first locator hash the receiver knows, parent-first, up to Stop or
// the batch limit.
type GetBlocks struct {
	Locator []Hash
	Stop    Hash
}

func (*GetBlocks) Command() string { return CmdGetBlocks }

func (m *GetBlocks) encode(w *writer) {
	w.u32(uint32(len(m.Locator)))
	for _, h := range m.Locator {
		w.hash(h)
	}
	w.hash(m.Stop)
}

func (m *GetBlocks) decode(r *reader) error {
	n, err := r.count(MaxLocator, 32, "locator hashes")
	if err != nil {
		return err
	}
	m.Locator = make([]Hash, n)
	for i := range m.Locator {
		if m.Locator[i], err = r.hash(); err != nil {
			return err
		}
	}
	m.Stop, err = r.hash()
	return err
}
