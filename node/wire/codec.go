package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

var errShort = errors.New("payload too short")

// writer appends big-endian fields.
type writer struct{ buf []byte }

func (w *writer) u8(v uint8)     { w.buf = append(w.buf, v) }
func (w *writer) u32(v uint32)   { w.buf = binary.BigEndian.AppendUint32(w.buf, v) }
func (w *writer) u64(v uint64)   { w.buf = binary.BigEndian.AppendUint64(w.buf, v) }
func (w *writer) hash(h Hash)    { w.buf = append(w.buf, h[:]...) }
func (w *writer) bytes(b []byte) { w.u32(uint32(len(b))); w.buf = append(w.buf, b...) }

// str writes a string cut to max bytes, the bound its decoder enforces.
func (w *writer) str(s string, max int) {
	if len(s) > max {
		s = s[:max]
	}
	w.bytes([]byte(s))
}

// reader consumes big-endian fields from a payload, never reading past it.
type reader struct{ buf []byte }

func (r *reader) take(n int) ([]byte, error) {
	if n < 0 || n > len(r.buf) {
		return nil, errShort
	}
	b := r.buf[:n:n]
	r.buf = r.buf[n:]
	return b, nil
}

func (r *reader) u8() (uint8, error) {
	b, err := r.take(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (r *reader) u32() (uint32, error) {
	b, err := r.take(4)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b), nil
}

func (r *reader) u64() (uint64, error) {
	b, err := r.take(8)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(b), nil
}

func (r *reader) hash() (Hash, error) {
	var h Hash
	b, err := r.take(32)
	if err == nil {
		copy(h[:], b)
	}
	return h, err
}

// bytes reads a length-prefixed byte string of at most max bytes; the
// result is a copy so the message does not pin the frame buffer.
func (r *reader) bytes(max int, what string) ([]byte, error) {
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	if int64(n) > int64(max) {
		return nil, fmt.Errorf("%s of %d bytes above limit %d", what, n, max)
	}
	b, err := r.take(int(n))
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), b...), nil
}

// count reads an item count and checks it against max and against the
// bytes left (each item takes at least itemSize bytes), so a lying count
// cannot make the decoder allocate.
func (r *reader) count(max, itemSize int, what string) (int, error) {
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if int64(n) > int64(max) {
		return 0, fmt.Errorf("%d %s above limit %d", n, what, max)
	}
	if int64(n)*int64(itemSize) > int64(len(r.buf)) {
		return 0, fmt.Errorf("%d %s announced, payload too short", n, what)
	}
	return int(n), nil
}
