package chain

import "encoding/binary"

// HeaderSize is the length of an encoded header.
const HeaderSize = 4 + 8 + 8 + HashSize + HashSize + 4 + 8

// nonceOffset is where the nonce sits in the encoding (last, so a miner
// rewrites only those bytes).
const nonceOffset = HeaderSize - 8

// Header is what the proof of work covers: every field is hashed.
type Header struct {
	Version    uint32
	Height     uint64
	Timestamp  int64 // Unix seconds
	PrevHash   Hash
	MerkleRoot Hash
	Bits       uint32 // required leading zero bits of the block hash
	Nonce      uint64
}

// AppendTo appends the 96-byte encoding in field order.
func (h *Header) AppendTo(b []byte) []byte {
	b = appendU32(b, h.Version)
	b = appendU64(b, h.Height)
	b = appendU64(b, uint64(h.Timestamp))
	b = append(b, h.PrevHash[:]...)
	b = append(b, h.MerkleRoot[:]...)
	b = appendU32(b, h.Bits)
	return appendU64(b, h.Nonce)
}

// Bytes is the 96-byte encoding.
func (h *Header) Bytes() []byte { return h.AppendTo(make([]byte, 0, HeaderSize)) }

// Hash is the SHA-256d of the 96-byte encoding: the block's hash.
func (h *Header) Hash() Hash {
	var buf [HeaderSize]byte
	return DoubleSHA256(h.AppendTo(buf[:0]))
}

func (h *Header) decode(r *reader) {
	h.Version = r.u32("header version")
	h.Height = r.u64("header height")
	h.Timestamp = int64(r.u64("header timestamp"))
	h.PrevHash = r.hash("header prev hash")
	h.MerkleRoot = r.hash("header merkle root")
	h.Bits = r.u32("header bits")
	h.Nonce = r.u64("header nonce")
}

// DecodeHeader decodes exactly a 96-byte header.
func DecodeHeader(b []byte) (*Header, error) {
	h := new(Header)
	r := &reader{b: b}
	h.decode(r)
	if err := r.end("header"); err != nil {
		return nil, err
	}
	return h, nil
}

// setNonce rewrites the nonce in an encoded header.
func setNonce(enc []byte, nonce uint64) { binary.LittleEndian.PutUint64(enc[nonceOffset:], nonce) }
