package chain

import "testing"

func TestProofOfWork(t *testing.T) {
	h := Hash{0x00, 0x0f, 0xff}
	if LeadingZeroBits(h) != 12 {
		t.Fatalf("LeadingZeroBits = %d", LeadingZeroBits(h))
	}
	for bits := uint32(0); bits <= 12; bits++ {
		if !CheckProofOfWork(h, bits) {
			t.Errorf("bits %d should pass", bits)
		}
	}
	if CheckProofOfWork(h, 13) {
		t.Error("bits 13 should fail")
	}
	if !CheckProofOfWork(ZeroHash, 256) || CheckProofOfWork(ZeroHash, 257) {
		t.Error("zero hash limits")
	}
	if Work(8).Int64() != 256 || Work(0).Int64() != 1 {
		t.Error("Work")
	}
}

// The default network's genesis is pinned: changing it splits the network.
func TestGenesisPinned(t *testing.T) {
	p := DefaultParams()
	g := GenesisBlock(p)
	const want = "00000b64c6a47df33e64995b6e61cd03986d04cd99dd5f86f025859ac9c607c9"
	if g.Hash().String() != want {
		t.Fatalf("default genesis %s, pinned %s", g.Hash(), want)
	}
	if _, err := CheckBlockSanity(g, p); err != nil {
		t.Fatalf("genesis fails its own checks: %v", err)
	}
	if g8 := GenesisBlock(p.WithBits(8)); g8.Hash() == g.Hash() {
		t.Fatal("another difficulty must give another genesis")
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
}
