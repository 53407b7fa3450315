package chain

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every RuleError: the block or transaction broke a
// consensus rule (a peer that sent it misbehaved).
var ErrInvalid = errors.New("invalid")

// Rule names a consensus rule, so callers and tests can tell which one broke.
type Rule string

// The rules a block or transaction can break.
const (
	RuleEncoding      Rule = "encoding"       // not canonical, or over a size limit
	RuleTxVersion     Rule = "tx-version"     // unknown transaction version
	RuleNoInputs      Rule = "no-inputs"      // a transaction without inputs
	RuleNoOutputs     Rule = "no-outputs"     // a transaction without outputs
	RuleOutputValue   Rule = "output-value"   // zero value, or a sum above MaxMoney
	RuleTxSize        Rule = "tx-size"        // transaction over MaxTxSize
	RuleInputShape    Rule = "input-shape"    // bad key or signature length, null outpoint outside a coinbase
	RuleDupInput      Rule = "dup-input"      // one outpoint spent twice in a transaction or block
	RuleCoinbase      Rule = "coinbase"       // coinbase missing, misplaced or malformed
	RuleBlockSize     Rule = "block-size"     // block over MaxBlockSize or without transactions
	RuleMerkle        Rule = "merkle"         // Merkle root mismatch
	RuleDupTx         Rule = "dup-tx"         // the same transaction twice in a block
	RulePoW           Rule = "pow"            // hash does not meet the target, or wrong Bits
	RuleHeader        Rule = "header"         // bad version or height
	RuleTimestamp     Rule = "timestamp"      // not after the median of the past, or too far ahead
	RuleMissingInput  Rule = "missing-input"  // spends an output that does not exist or is spent
	RuleSignature     Rule = "signature"      // signature does not verify
	RuleHighS         Rule = "high-s"         // signature S above N/2: the malleable twin of a valid one
	RuleKeyMismatch   Rule = "key-mismatch"   // input key does not hash to the spent output's key hash
	RuleInsufficient  Rule = "insufficient"   // outputs exceed inputs
	RuleCoinbaseValue Rule = "coinbase-value" // coinbase pays more than subsidy + fees
)

// RuleError says which rule broke and how.
type RuleError struct {
	Rule Rule
	Msg  string
}

func (e *RuleError) Error() string { return fmt.Sprintf("invalid (%s): %s", e.Rule, e.Msg) }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *RuleError) Is(target error) bool { return target == ErrInvalid }

// Invalid builds a RuleError.
func Invalid(rule Rule, format string, a ...any) error {
	return &RuleError{Rule: rule, Msg: fmt.Sprintf(format, a...)}
}

// RuleOf gives the rule an error broke, or "" if it is no RuleError.
func RuleOf(err error) Rule {
	var re *RuleError
	if errors.As(err, &re) {
		return re.Rule
	}
	return ""
}
