package chain

// SolveHeader searches nonces start, start+step, … for one whose header hash
// meets h.Bits, and stores it in h. stop, if not nil, is polled every few
// thousand hashes; ok is false when it returned true first. The header is
// encoded once and only the nonce bytes change between hashes.
func SolveHeader(h *Header, start, step uint64, stop func() bool) (nonce uint64, ok bool) {
	var buf [HeaderSize]byte
	enc := h.AppendTo(buf[:0])
	for n, i := start, 0; ; n, i = n+step, i+1 {
		if stop != nil && i&0xfff == 0xfff && stop() {
			return 0, false
		}
		setNonce(enc, n)
		if CheckProofOfWork(DoubleSHA256(enc), h.Bits) {
			h.Nonce = n
			return n, true
		}
	}
}
