package scenario

import (
	"fmt"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// Rate is payments per second; AsFastAsAccepted is written "max".
type Rate float64

// AsFastAsAccepted is the Rate of `rate: max`.
const AsFastAsAccepted Rate = -1

func (r *Rate) decodeYAML(d *decoder, n *yaml.Node, path string) error {
	if n.Kind != yaml.ScalarNode {
		return d.errf(n, "%s: want payments per second or max, got %s", name(path), describe(n))
	}
	v, err := ParseRate(n.Value)
	if err != nil {
		return d.errf(n, "%s: %v", name(path), err)
	}
	*r = v
	return nil
}

// ParseRate reads a rate as scenarios and `devnet load --rate` write it:
// payments per second, or max.
func ParseRate(s string) (Rate, error) {
	if s == "max" {
		return AsFastAsAccepted, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0 && v <= MaxLoadRate) {
		return 0, fmt.Errorf("%q: want payments per second above 0 and at most %d, or max", s, MaxLoadRate)
	}
	return Rate(v), nil
}

// PerSecond is the rate for devnet/load: 0 for AsFastAsAccepted.
func (r Rate) PerSecond() float64 {
	if r == AsFastAsAccepted {
		return 0
	}
	return float64(r)
}

// TxLoad submits signed payments from wallets of its own (funded first by
// minting on the first target node), spread over the target nodes, and
// reports what came of them (devnet/load).
type TxLoad struct {
	Target `yaml:",inline"`
	// Wallets is how many payers share the rate.
	Wallets int `yaml:"wallets"`
	// Rate is payments per second over all payers, or "max": as fast as
	// the nodes accept.
	Rate Rate `yaml:"rate"`
	// For is how long payments are submitted.
	For Duration `yaml:"for"`
	// Fee is what each payment pays the miner.
	Fee uint64 `yaml:"fee"`
	// ConfirmWithin bounds the wait for confirmations after the last
	// submission; payments still unconfirmed then count as such.
	ConfirmWithin Duration `yaml:"confirm_within"`
	// MinTPS, when set, fails the step unless the confirmed throughput
	// reached it.
	MinTPS float64 `yaml:"min_tps"`
	// MaxUnconfirmed, when set with a value, fails the step if more
	// accepted payments than this stayed unconfirmed.
	MaxUnconfirmed *int `yaml:"max_unconfirmed"`
	// BestEffort makes funding that fails (a reorg took the blocks it
	// mined, as in a chaos schedule) a line in the step log rather than a
	// failure; the payments it got accepted are checked all the same.
	BestEffort bool `yaml:"best_effort"`
}

// Defaults and bounds of a load step.
const (
	DefaultLoadWallets       = 50
	DefaultLoadRate          = 100
	DefaultLoadFor           = 10 * time.Second
	DefaultLoadFee           = 1
	DefaultLoadConfirmWithin = 60 * time.Second
	MaxLoadWallets           = 1000
	MaxLoadRate              = 10_000
)

func (l *TxLoad) setDefaults() {
	if l.Rate == 0 {
		l.Rate = DefaultLoadRate
	}
	if l.Wallets == 0 {
		l.Wallets = DefaultLoadWallets
	}
	if l.For == 0 {
		l.For = Duration(DefaultLoadFor)
	}
	if l.Fee == 0 {
		l.Fee = DefaultLoadFee
	}
	if l.ConfirmWithin == 0 {
		l.ConfirmWithin = Duration(DefaultLoadConfirmWithin)
	}
}

func validateLoad(bad func(string, ...any), l *TxLoad) {
	if l.Wallets < 1 || l.Wallets > MaxLoadWallets {
		bad("wallets %d: want 1 to %d", l.Wallets, MaxLoadWallets)
	}
	if l.Fee > 1_000_000 {
		bad("fee %d: at most 1000000 per payment", l.Fee)
	}
	if !(l.MinTPS >= 0 && l.MinTPS <= MaxLoadRate) {
		bad("min_tps %v: want 0 to %d", l.MinTPS, MaxLoadRate)
	}
	if l.MaxUnconfirmed != nil && *l.MaxUnconfirmed < 0 {
		bad("max_unconfirmed %d: want at least 0", *l.MaxUnconfirmed)
	}
}
