package chain

import "strconv"

// Checks that need no chain state. The checks against the UTXO set, the
// parent and the clock live in package blockchain.

// CheckTxSanity checks the shape of a transaction: version, non-empty inputs
// and outputs, size, output values, input field lengths, and no outpoint
// spent twice. A coinbase is recognised by its null outpoint.
func CheckTxSanity(tx *Tx) error {
	if tx.Version != TxVersion {
		return Invalid(RuleTxVersion, "version %d, want %d", tx.Version, TxVersion)
	}
	if len(tx.Inputs) == 0 {
		return Invalid(RuleNoInputs, "transaction has no inputs")
	}
	if len(tx.Outputs) == 0 {
		return Invalid(RuleNoOutputs, "transaction has no outputs")
	}
	if n := tx.SerializeSize(); n > MaxTxSize {
		return Invalid(RuleTxSize, "%d bytes exceeds %d", n, MaxTxSize)
	}
	var sum uint64
	for i, o := range tx.Outputs {
		if o.Value == 0 || o.Value > MaxMoney {
			return Invalid(RuleOutputValue, "output %d: value %d not in 1..%d", i, o.Value, uint64(MaxMoney))
		}
		sum += o.Value
		if sum > MaxMoney {
			return Invalid(RuleOutputValue, "outputs sum above %d", uint64(MaxMoney))
		}
	}
	if tx.IsCoinbase() {
		if n := len(tx.Inputs[0].Signature); n < CoinbaseHeightLen {
			return Invalid(RuleCoinbase, "coinbase data of %d bytes, want at least %d", n, CoinbaseHeightLen)
		}
		if len(tx.Inputs[0].PubKey) != 0 {
			return Invalid(RuleCoinbase, "coinbase carries a public key")
		}
		return nil
	}
	seen := make(map[OutPoint]struct{}, len(tx.Inputs))
	for i := range tx.Inputs {
		in := &tx.Inputs[i]
		if in.Prev.IsNull() {
			return Invalid(RuleInputShape, "input %d: null outpoint outside a coinbase", i)
		}
		if len(in.PubKey) != PubKeyLen {
			return Invalid(RuleInputShape, "input %d: public key of %d bytes, want %d", i, len(in.PubKey), PubKeyLen)
		}
		if len(in.Signature) == 0 || len(in.Signature) > 72 {
			return Invalid(RuleInputShape, "input %d: signature of %d bytes", i, len(in.Signature))
		}
		if _, dup := seen[in.Prev]; dup {
			return Invalid(RuleDupInput, "input %d: %s spent twice", i, in.Prev)
		}
		seen[in.Prev] = struct{}{}
	}
	return nil
}

// CheckBlockSanity checks what a block proves by itself: version, Bits equal
// to the network's, proof of work, size and input/output count, a coinbase first and only first
// carrying the header's height, every transaction's shape, no transaction
// twice, the Merkle root, and no outpoint spent twice in the block. It
// returns the transaction IDs so callers need not hash again.
func CheckBlockSanity(b *Block, p Params) ([]Hash, error) {
	return CheckBlockSanityHash(b, b.Hash(), p)
}

// CheckBlockSanityHash is CheckBlockSanity for a caller that already has
// the block's hash.
func CheckBlockSanityHash(b *Block, hash Hash, p Params) ([]Hash, error) {
	h := &b.Header
	if h.Version != BlockVersion {
		return nil, Invalid(RuleHeader, "block version %d, want %d", h.Version, BlockVersion)
	}
	if h.Bits != p.Bits {
		return nil, Invalid(RulePoW, "bits %d, network requires %d", h.Bits, p.Bits)
	}
	if !CheckProofOfWork(hash, h.Bits) {
		return nil, Invalid(RulePoW, "hash %s has %d leading zero bits, needs %d", hash, LeadingZeroBits(hash), h.Bits)
	}
	if len(b.Txs) == 0 {
		return nil, Invalid(RuleBlockSize, "block has no transactions")
	}
	if n := b.SerializeSize(); n > MaxBlockSize {
		return nil, Invalid(RuleBlockSize, "%d bytes exceeds %d", n, MaxBlockSize)
	}
	if !b.Txs[0].IsCoinbase() {
		return nil, Invalid(RuleCoinbase, "first transaction is not a coinbase")
	}
	if height, ok := CoinbaseHeight(b.Txs[0]); !ok || height != h.Height {
		return nil, Invalid(RuleCoinbase, "coinbase carries height %d, header says %d", height, h.Height)
	}
	io := 0
	for _, tx := range b.Txs {
		io += len(tx.Inputs) + len(tx.Outputs)
	}
	if io > MaxBlockIO {
		return nil, Invalid(RuleBlockSize, "%d inputs and outputs exceed %d", io, MaxBlockIO)
	}
	ids := make([]Hash, len(b.Txs))
	var seenTx map[Hash]struct{}
	var spent map[OutPoint]struct{}
	if len(b.Txs) > 1 {
		seenTx = make(map[Hash]struct{}, len(b.Txs))
		spent = make(map[OutPoint]struct{})
	}
	for i, tx := range b.Txs {
		if i > 0 && tx.IsCoinbase() {
			return nil, Invalid(RuleCoinbase, "transaction %d is a second coinbase", i)
		}
		if err := CheckTxSanity(tx); err != nil {
			return nil, wrapTx(err, i)
		}
		id := tx.ID()
		ids[i] = id
		if seenTx == nil {
			continue
		}
		if _, dup := seenTx[id]; dup {
			return nil, Invalid(RuleDupTx, "transaction %s appears twice", id)
		}
		seenTx[id] = struct{}{}
		if i == 0 {
			continue
		}
		for j := range tx.Inputs {
			op := tx.Inputs[j].Prev
			if _, dup := spent[op]; dup {
				return nil, Invalid(RuleDupInput, "transaction %d input %d: %s already spent in this block", i, j, op)
			}
			spent[op] = struct{}{}
		}
	}
	if root := MerkleRoot(ids); root != h.MerkleRoot {
		return nil, Invalid(RuleMerkle, "merkle root %s, header says %s", root, h.MerkleRoot)
	}
	return ids, nil
}

// wrapTx prefixes a rule error with the transaction's position.
func wrapTx(err error, i int) error {
	if re, ok := err.(*RuleError); ok {
		return &RuleError{Rule: re.Rule, Msg: "transaction " + strconv.Itoa(i) + ": " + re.Msg}
	}
	return err
}
