package chain

import "encoding/binary"

// Block is a header and its transactions, the coinbase first.
type Block struct {
	Header Header
	Txs    []*Tx
}

// Hash is the header's hash.
func (b *Block) Hash() Hash { return b.Header.Hash() }

// AppendTo appends the encoding: header, transaction count, transactions.
func (b *Block) AppendTo(buf []byte) []byte {
	buf = b.Header.AppendTo(buf)
	buf = binary.AppendUvarint(buf, uint64(len(b.Txs)))
	for _, tx := range b.Txs {
		buf = tx.AppendTo(buf)
	}
	return buf
}

// SerializeSize is the length of the encoding.
func (b *Block) SerializeSize() int {
	n := HeaderSize + varintLen(uint64(len(b.Txs)))
	for _, tx := range b.Txs {
		n += tx.SerializeSize()
	}
	return n
}

// Bytes is the encoding.
func (b *Block) Bytes() []byte { return b.AppendTo(make([]byte, 0, b.SerializeSize())) }

// TxIDs gives the ID of each transaction in order.
func (b *Block) TxIDs() []Hash {
	ids := make([]Hash, len(b.Txs))
	for i, tx := range b.Txs {
		ids[i] = tx.ID()
	}
	return ids
}

// DecodeBlock decodes exactly one block of at most MaxBlockSize bytes.
func DecodeBlock(data []byte) (*Block, error) {
	r := &reader{b: data}
	if len(data) > MaxBlockSize {
		return nil, r.failed("block of %d bytes exceeds %d", len(data), MaxBlockSize)
	}
	b := new(Block)
	b.Header.decode(r)
	n := r.count("transaction count", MaxBlockTxs, minTxSize)
	if n > 0 {
		b.Txs = make([]*Tx, n)
		for i := range b.Txs {
			b.Txs[i] = new(Tx)
			b.Txs[i].decode(r)
		}
	}
	if err := r.end("block"); err != nil {
		return nil, err
	}
	return b, nil
}
