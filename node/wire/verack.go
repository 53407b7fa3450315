package wire

// CmdVerack acknowledges a version.
const CmdVerack = "verack"

// Verack completes the handshake; it has no payload.
type Verack struct{}

func (*Verack) Command() string      { return CmdVerack }
func (*Verack) encode(*writer)       {}
func (*Verack) decode(*reader) error { return nil }
