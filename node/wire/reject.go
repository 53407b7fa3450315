package wire

// CmdReject tells a peer why something it sent was refused.
const CmdReject = "reject"

// RejectCode classifies a reject.
type RejectCode uint8

const (
	RejectMalformed RejectCode = 1
	RejectInvalid   RejectCode = 2
	RejectObsolete  RejectCode = 3 // protocol version
	RejectNetwork   RejectCode = 4 // other genesis
)

// Reject names the refused message, a code, a reason, and the hash of the
// refused block or transaction when there is one.
type Reject struct {
	Message string
	Code    RejectCode
	Reason  string
	Hash    Hash
}

func (*Reject) Command() string { return CmdReject }

func (m *Reject) encode(w *writer) {
	w.str(m.Message, CommandSize)
	w.u8(uint8(m.Code))
	w.str(m.Reason, MaxUserAgent)
	w.hash(m.Hash)
}

func (m *Reject) decode(r *reader) error {
	msg, err := r.bytes(CommandSize, "rejected command")
	if err != nil {
		return err
	}
	m.Message = string(msg)
	code, err := r.u8()
	if err != nil {
		return err
	}
	m.Code = RejectCode(code)
	reason, err := r.bytes(MaxUserAgent, "reject reason")
	if err != nil {
		return err
	}
	m.Reason = string(reason)
	m.Hash, err = r.hash()
	return err
}
