// Package wire holds the messages of the devchain sync protocol and their
// framing. A frame is a 12-byte command name, a 4-byte big-endian payload
// length and the payload; the length is checked against MaxPayload before
// anything is allocated, and every field is decoded with its own bound, so
// no sequence of bytes from a peer can make the decoder allocate without
// limit or panic.
package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ProtocolVersion is carried in the version message; peers with another
// version are refused.
const ProtocolVersion uint32 = 1

const (
	// CommandSize is the fixed width of the command field of a frame.
	CommandSize = 12
	// HeaderSize is the size of a frame header: command + payload length.
	HeaderSize = CommandSize + 4
	// MaxPayload is the hard limit on a frame's payload: above the chain's
	// largest block (chain.MaxBlockSize) so a valid block always fits.
	MaxPayload = 4 << 20
	// MaxInvItems bounds inv, getdata and notfound messages.
	MaxInvItems = 50000
	// MaxLocator bounds a getblocks locator.
	MaxLocator = 500
	// MaxUserAgent bounds the user agent and reject reason strings.
	MaxUserAgent = 256
	// MaxWorkBytes bounds the big-endian total work of a version message.
	MaxWorkBytes = 64
)

// Hash is a block or transaction hash (the same bytes as chain.Hash).
type Hash = [32]byte

// ErrMalformed wraps every decoding failure: the peer sent bytes that are
// not a valid message.
var ErrMalformed = errors.New("malformed message")

// ErrOversize is returned when a frame announces a payload above MaxPayload.
var ErrOversize = errors.New("frame above maximum size")

// Message is one protocol message.
type Message interface {
	// Command is the frame's command name (at most CommandSize bytes).
	Command() string
	// encode appends the payload.
	encode(w *writer)
	// decode reads the payload; r holds exactly the payload bytes.
	decode(r *reader) error
}

// newMessage returns an empty message for a command name.
func newMessage(cmd string) (Message, error) {
	switch cmd {
	case CmdVersion:
		return &Version{}, nil
	case CmdVerack:
		return &Verack{}, nil
	case CmdInv:
		return &Inv{}, nil
	case CmdGetData:
		return &GetData{}, nil
	case CmdNotFound:
		return &NotFound{}, nil
	case CmdGetBlocks:
		return &GetBlocks{}, nil
	case CmdBlock:
		return &Block{}, nil
	case CmdTx:
		return &Tx{}, nil
	case CmdPing:
		return &Ping{}, nil
	case CmdPong:
		return &Pong{}, nil
	case CmdReject:
		return &Reject{}, nil
	}
	return nil, fmt.Errorf("%w: unknown command %q", ErrMalformed, cmd)
}

// Encode renders a message as one frame.
func Encode(m Message) ([]byte, error) {
	cmd := m.Command()
	if len(cmd) > CommandSize {
		return nil, fmt.Errorf("wire: command %q longer than %d bytes", cmd, CommandSize)
	}
	w := &writer{buf: make([]byte, HeaderSize, HeaderSize+64)}
	copy(w.buf, cmd)
	m.encode(w)
	n := len(w.buf) - HeaderSize
	if n > MaxPayload {
		return nil, fmt.Errorf("wire: %s payload of %d bytes: %w", cmd, n, ErrOversize)
	}
	binary.BigEndian.PutUint32(w.buf[CommandSize:], uint32(n))
	return w.buf, nil
}

// WriteMessage writes one frame.
func WriteMessage(w io.Writer, m Message) error {
	frame, err := Encode(m)
	if err != nil {
		return err
	}
	_, err = w.Write(frame)
	return err
}

// ReadMessage reads one frame and decodes it. Errors that come from the
// peer's bytes wrap ErrMalformed or ErrOversize; others are I/O errors.
func ReadMessage(r io.Reader) (Message, error) {
	var hdr [HeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	cmd, err := parseCommand(hdr[:CommandSize])
	if err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[CommandSize:])
	if n > MaxPayload {
		return nil, fmt.Errorf("%s frame of %d bytes: %w", cmd, n, ErrOversize)
	}
	m, err := newMessage(cmd)
	if err != nil {
		return nil, err
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, err
	}
	return DecodePayload(m, payload)
}

// DecodePayload decodes payload into m, requiring that it is consumed
// exactly.
func DecodePayload(m Message, payload []byte) (Message, error) {
	rd := &reader{buf: payload}
	if err := m.decode(rd); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, m.Command(), err)
	}
	if len(rd.buf) != 0 {
		return nil, fmt.Errorf("%w: %s: %d trailing bytes", ErrMalformed, m.Command(), len(rd.buf))
	}
	return m, nil
}

// parseCommand reads a zero-padded ASCII command name.
func parseCommand(b []byte) (string, error) {
	end := bytes.IndexByte(b, 0)
	if end < 0 {
		end = len(b)
	}
	for _, c := range b[end:] {
		if c != 0 {
			return "", fmt.Errorf("%w: command field not zero-padded", ErrMalformed)
		}
	}
	for _, c := range b[:end] {
		if c < 'a' || c > 'z' {
			return "", fmt.Errorf("%w: command %q is not lowercase ASCII", ErrMalformed, b[:end])
		}
	}
	return string(b[:end]), nil
}
