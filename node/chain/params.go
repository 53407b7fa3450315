package chain

import (
	"fmt"
	"sync"
)

// Defaults of the default network. DefaultBits keeps `mint -blocks 3` well
// under a second on one core (2^16 expected hashes a block); a devnet passes
// --difficulty 8.
const (
	DefaultBits    = 16
	DefaultSubsidy = 50
	// MaxMoney bounds any amount so sums of amounts cannot overflow uint64.
	MaxMoney = 1 << 60
	// BlockVersion and TxVersion are the only versions accepted.
	BlockVersion = 1
	TxVersion    = 1
	// MaxFutureDrift is how far (seconds) a block's timestamp may be ahead of
	// the validating node's clock.
	MaxFutureDrift = 2 * 60 * 60
	// MedianTimeSpan is how many ancestors the past-median timestamp rule looks at.
	MedianTimeSpan = 11
	// CoinbaseHeightLen: a coinbase's data starts with the block height (uint64
	// LE), so coinbases of different blocks never share an ID.
	CoinbaseHeightLen = 8
)

// Params are the consensus parameters of one network. Two nodes are on the
// same network when GenesisBlock gives them the same hash.
type Params struct {
	Name           string
	Bits           uint32 // leading zero bits every block hash needs, fixed by the genesis block
	Subsidy        uint64 // coinbase reward per block (fees come on top)
	GenesisTime    int64  // Unix seconds
	GenesisMessage string // carried by the genesis coinbase
}

// DefaultParams gives the hard-coded default network.
func DefaultParams() Params {
	return Params{
		Name:           "devchain",
		Bits:           DefaultBits,
		Subsidy:        DefaultSubsidy,
		GenesisTime:    1764028800, // 2025-11-25T00:00:00Z
		GenesisMessage: "devchain genesis: a small proof-of-work UTXO chain for devnets",
	}
}

// WithBits gives p with another difficulty (a different network: another
// genesis hash).
func (p Params) WithBits(bits uint32) Params {
	p.Bits = bits
	return p
}

// Validate checks that the parameters make a usable network.
func (p Params) Validate() error {
	if p.Bits > MaxBits {
		return fmt.Errorf("difficulty %d bits: at most %d", p.Bits, MaxBits)
	}
	if p.Subsidy == 0 || p.Subsidy > MaxMoney {
		return fmt.Errorf("subsidy %d: must be in 1..%d", p.Subsidy, uint64(MaxMoney))
	}
	if len(p.GenesisMessage)+CoinbaseHeightLen > MaxSigLen {
		return fmt.Errorf("genesis message of %d bytes: at most %d", len(p.GenesisMessage), MaxSigLen-CoinbaseHeightLen)
	}
	return nil
}

var genesisCache sync.Map // Params -> *Block

// GenesisBlock builds the genesis block of p from its constants alone: a
// coinbase carrying GenesisMessage that pays Subsidy to the all-zero key hash
// (no one can spend it), and the first nonce, counting from 0, whose hash
// meets p.Bits. The same Params give the same bytes on every node. The block
// is cached: callers must not modify it.
func GenesisBlock(p Params) *Block {
	if b, ok := genesisCache.Load(p); ok {
		return b.(*Block)
	}
	cb := NewCoinbase(0, [20]byte{}, p.Subsidy, []byte(p.GenesisMessage))
	b := &Block{
		Header: Header{
			Version:    BlockVersion,
			Height:     0,
			Timestamp:  p.GenesisTime,
			MerkleRoot: cb.ID(),
			Bits:       p.Bits,
		},
		Txs: []*Tx{cb},
	}
	b.Header.Nonce, _ = SolveHeader(&b.Header, 0, 1, nil)
	genesisCache.Store(p, b)
	return b
}
