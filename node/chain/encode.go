package chain

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Hard limits of the encoding. A decoder refuses anything larger before it
// allocates.
const (
	MaxBlockSize = 1 << 20   // bytes of an encoded block
	MaxTxSize    = 100 << 10 // bytes of an encoded transaction
	MaxBlockTxs  = MaxBlockSize / minTxSize
	MaxTxInputs  = MaxTxSize / minTxInSize
	MaxTxOutputs = MaxTxSize / txOutSize
	// MaxBlockIO bounds the inputs plus outputs of a block, so connecting
	// any valid block fits in one database transaction.
	MaxBlockIO    = 2000
	MaxSigLen     = 100 // a DER P-256 signature is at most 72 bytes; a coinbase carries up to 100 bytes of data here
	MaxPubKeyLen  = 65  // uncompressed SEC1 P-256 point
	minTxInSize   = outPointSize + 1 + 1
	minTxSize     = 4 + 1 + minTxInSize + 1
	outPointSize  = HashSize + 4
	txOutSize     = 8 + 20
	maxVarintSize = binary.MaxVarintLen64
)

// ErrEncoding is wrapped by every decoding error.
var ErrEncoding = errors.New("bad encoding")

// reader decodes from a byte slice; the first error sticks and later reads
// return zero values, so decoders check err once at the end of a section.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format+" at byte %d", append(append([]any{ErrEncoding}, a...), r.off)...)
	}
}

// failed records an error (if none yet) and returns the first one.
func (r *reader) failed(format string, a ...any) error {
	r.fail(format, a...)
	return r.err
}

func (r *reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.fail("%s: need %d bytes, have %d", what, n, len(r.b)-r.off)
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *reader) u32(what string) uint32 {
	if s := r.take(4, what); s != nil {
		return binary.LittleEndian.Uint32(s)
	}
	return 0
}

func (r *reader) u64(what string) uint64 {
	if s := r.take(8, what); s != nil {
		return binary.LittleEndian.Uint64(s)
	}
	return 0
}

func (r *reader) hash(what string) (h Hash) {
	if s := r.take(HashSize, what); s != nil {
		copy(h[:], s)
	}
	return h
}

// count reads a minimal varint and checks it against max and against the
// bytes left (each element needs at least minSize bytes).
func (r *reader) count(what string, max, minSize int) int {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.fail("%s: bad varint", what)
		return 0
	}
	if n != varintLen(v) {
		r.fail("%s: non-minimal varint", what)
		return 0
	}
	r.off += n
	if v > uint64(max) {
		r.fail("%s: %d exceeds limit %d", what, v, max)
		return 0
	}
	if minSize > 0 && v > uint64((len(r.b)-r.off)/minSize) {
		r.fail("%s: %d elements cannot fit in %d bytes", what, v, len(r.b)-r.off)
		return 0
	}
	return int(v)
}

// bytes reads a length-prefixed byte string of at most max bytes, copied.
func (r *reader) bytes(what string, max int) []byte {
	n := r.count(what+" length", max, 1)
	if r.err != nil || n == 0 {
		return nil
	}
	s := r.take(n, what)
	if s == nil {
		return nil
	}
	return append([]byte(nil), s...)
}

// end fails unless every byte was read.
func (r *reader) end(what string) error {
	if r.err == nil && r.off != len(r.b) {
		r.fail("%s: %d trailing bytes", what, len(r.b)-r.off)
	}
	return r.err
}

func varintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func appendU32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func appendU64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }
func appendVarBytes(b, s []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}
