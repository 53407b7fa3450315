// Package shaping holds the link conditions a node applies to its own p2p
// traffic to one peer: a one-way delay with jitter, a bandwidth cap and a
// loss of gossip. The node applies them itself, above TCP, so they need no
// privilege and no kernel support (no netem) and behave the same in every
// runtime; a pair of nodes shaped both ways sees the delay on each way.
//
// A Rule is written "delay=100ms,jitter=10ms,bandwidth=1mbit,loss=5%":
// chaind's --links flag takes it, and devnet's scenarios use the same units.
package shaping

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Rule is the conditions of the traffic to one peer. The zero Rule shapes
// nothing.
type Rule struct {
	// Delay is added to every message before it leaves (one way).
	Delay time.Duration
	// Jitter spreads each message's delay uniformly over Delay ± Jitter;
	// messages still leave in order, as on a TCP connection.
	Jitter time.Duration
	// Bandwidth caps the bits per second sent; 0 sets no cap.
	Bandwidth int64
	// Loss is the share (0 to 1) of gossip dropped: each announced block or
	// transaction hash independently. What a peer asked for (blocks, txs,
	// the answers of a sync) is never dropped, as TCP never drops it; the
	// node announces its tip again on lossy links, so a lost announcement
	// delays a peer instead of leaving it behind.
	Loss float64
}

// Limits of a Rule. A delay near the peers' ping interval would have
// healthy links time out, and below MinBandwidth a full block takes longer
// than a peer waits for it.
const (
	MaxDelay     = 10 * time.Second
	MinBandwidth = 64_000          // bits per second
	MaxBandwidth = 100_000_000_000 // 100 gbit
)

// IsZero tells a Rule that shapes nothing.
func (r Rule) IsZero() bool { return r == Rule{} }

// Validate checks r against the limits.
func (r Rule) Validate() error {
	switch {
	case r.Delay < 0 || r.Jitter < 0:
		return fmt.Errorf("negative delay or jitter (%s, %s)", r.Delay, r.Jitter)
	case r.Delay > MaxDelay:
		return fmt.Errorf("delay %s above %s, the most a link may have", r.Delay, MaxDelay)
	case r.Jitter > r.Delay:
		return fmt.Errorf("jitter %s above the delay %s (a message cannot leave before it was sent)", r.Jitter, r.Delay)
	case r.Bandwidth < 0:
		return fmt.Errorf("negative bandwidth %d bit/s", r.Bandwidth)
	case r.Bandwidth > 0 && r.Bandwidth < MinBandwidth:
		return fmt.Errorf("bandwidth %s below %s, the least a link may have", FormatBandwidth(r.Bandwidth), FormatBandwidth(MinBandwidth))
	case r.Bandwidth > MaxBandwidth:
		return fmt.Errorf("bandwidth %s above %s", FormatBandwidth(r.Bandwidth), FormatBandwidth(MaxBandwidth))
	case !(r.Loss >= 0 && r.Loss <= 1): // NaN too
		return fmt.Errorf("loss %v outside 0%%–100%%", r.Loss*100)
	}
	return nil
}

// String writes r in the syntax Parse reads; "" for the zero Rule.
func (r Rule) String() string {
	var parts []string
	if r.Delay > 0 {
		parts = append(parts, "delay="+r.Delay.String())
	}
	if r.Jitter > 0 {
		parts = append(parts, "jitter="+r.Jitter.String())
	}
	if r.Bandwidth > 0 {
		parts = append(parts, "bandwidth="+FormatBandwidth(r.Bandwidth))
	}
	if r.Loss > 0 {
		parts = append(parts, "loss="+FormatLoss(r.Loss))
	}
	return strings.Join(parts, ",")
}

// Parse reads "delay=100ms,jitter=10ms,bandwidth=1mbit,loss=5%" (any
// subset, in any order; "" is the zero Rule) and validates it.
func Parse(s string) (Rule, error) {
	var r Rule
	if strings.TrimSpace(s) == "" {
		return r, nil
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return Rule{}, fmt.Errorf("link rule %q: %q is not key=value", s, part)
		}
		if seen[key] {
			return Rule{}, fmt.Errorf("link rule %q: %s given twice", s, key)
		}
		seen[key] = true
		var err error
		switch key {
		case "delay":
			r.Delay, err = ParseDelay(val)
		case "jitter":
			r.Jitter, err = ParseDelay(val)
		case "bandwidth":
			r.Bandwidth, err = ParseBandwidth(val)
		case "loss":
			r.Loss, err = ParseLoss(val)
		default:
			err = fmt.Errorf("unknown key %q (known: delay, jitter, bandwidth, loss)", key)
		}
		if err != nil {
			return Rule{}, fmt.Errorf("link rule %q: %w", s, err)
		}
	}
	if err := r.Validate(); err != nil {
		return Rule{}, fmt.Errorf("link rule %q: %w", s, err)
	}
	return r, nil
}

// ParseDelay reads a Go duration ("100ms", "1.5s").
func ParseDelay(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q (want e.g. 50ms, 1s)", s)
	}
	return d, nil
}

// bandwidthUnits are the units ParseBandwidth knows: bits per second with
// decimal prefixes, as tc writes them. Bytes per second are not offered:
// tc's "kbps" means kilobytes, which reads like kilobits to most people.
var bandwidthUnits = []struct {
	name string
	mult float64
}{{"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1}}

var errBandwidthSyntax = errors.New("want a number and a unit: bit, kbit, mbit or gbit (bits per second), e.g. 512kbit, 1mbit, 1.5gbit")

// ParseBandwidth reads "1mbit", "512kbit", "1.5gbit" into bits per second.
func ParseBandwidth(s string) (int64, error) {
	low := strings.ToLower(strings.TrimSpace(s))
	for _, u := range bandwidthUnits {
		num, ok := strings.CutSuffix(low, u.name)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("bandwidth %q: %w", s, errBandwidthSyntax)
		}
		if v < 0 {
			return 0, fmt.Errorf("negative bandwidth %q", s)
		}
		bits := v * u.mult
		if bits > MaxBandwidth {
			return 0, fmt.Errorf("bandwidth %q above %s", s, FormatBandwidth(MaxBandwidth))
		}
		return int64(math.Round(bits)), nil
	}
	return 0, fmt.Errorf("bandwidth %q: %w", s, errBandwidthSyntax)
}

// FormatBandwidth writes bits per second with the largest unit that keeps
// the number whole when it can ("1mbit", "1500kbit", "64kbit").
func FormatBandwidth(bps int64) string {
	for _, u := range bandwidthUnits {
		m := int64(u.mult)
		if bps >= m && bps%m == 0 {
			return strconv.FormatInt(bps/m, 10) + u.name
		}
	}
	return strconv.FormatInt(bps, 10) + "bit"
}

// ParseLoss reads a percentage ("5%", "0.5%") into a share from 0 to 1.
func ParseLoss(s string) (float64, error) {
	num, ok := strings.CutSuffix(strings.TrimSpace(s), "%")
	if !ok {
		return 0, fmt.Errorf("loss %q: want a percentage, e.g. 5%%", s)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(v) {
		return 0, fmt.Errorf("loss %q: want a percentage, e.g. 5%%", s)
	}
	if v < 0 || v > 100 {
		return 0, fmt.Errorf("loss %q outside 0%%–100%%", s)
	}
	return v / 100, nil
}

// FormatLoss writes a share as the percentage ParseLoss reads.
func FormatLoss(share float64) string {
	return strconv.FormatFloat(share*100, 'f', -1, 64) + "%"
}
