package wire

import (
	"errors"
	"math/big"
)

// CmdVersion opens the handshake.
const CmdVersion = "version"

// Version is the first message each side sends: a peer on another genesis
// or protocol version is dropped, and the best height and total work tell
// the other side whether it has blocks to fetch.
type Version struct {
	Protocol   uint32
	Genesis    Hash
	BestHeight uint64
	BestHash   Hash
	TotalWork  *big.Int
	UserAgent  string
	Nonce      uint64 // detects connections to self
}

var errNonMinimalWork = errors.New("total work: non-minimal encoding (leading zero byte)")

func (*Version) Command() string { return CmdVersion }

func (m *Version) encode(w *writer) {
	w.u32(m.Protocol)
	w.hash(m.Genesis)
	w.u64(m.BestHeight)
	w.hash(m.BestHash)
	var work []byte
	if m.TotalWork != nil {
		work = m.TotalWork.Bytes()
	}
	w.bytes(work)
	w.str(m.UserAgent, MaxUserAgent)
	w.u64(m.Nonce)
}

func (m *Version) decode(r *reader) (err error) {
	if m.Protocol, err = r.u32(); err != nil {
		return err
	}
	if m.Genesis, err = r.hash(); err != nil {
		return err
	}
	if m.BestHeight, err = r.u64(); err != nil {
		return err
	}
	if m.BestHash, err = r.hash(); err != nil {
		return err
	}
	work, err := r.bytes(MaxWorkBytes, "total work")
	if err != nil {
		return err
	}
	// One number, one encoding: a leading zero byte would decode to the
	// same work as the bytes without it, so a message and its re-encoding
	// would differ (and zero is the empty string, not "00").
	if len(work) > 0 && work[0] == 0 {
		return errNonMinimalWork
	}
	m.TotalWork = new(big.Int).SetBytes(work)
	ua, err := r.bytes(MaxUserAgent, "user agent")
	if err != nil {
		return err
	}
	m.UserAgent = string(ua)
	m.Nonce, err = r.u64()
	return err
}
