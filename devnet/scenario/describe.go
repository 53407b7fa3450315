package scenario

import (
	"fmt"
	"sort"
	"strings"
)

// describe names a step for logs and JUnit when the file gives no name.
func (s *Step) describe() string {
	on := strings.Join(s.Targets(), ",")
	switch a := s.Action.(type) {
	case *CreateWallet:
		return fmt.Sprintf("createwallet %s on %s", a.Alias, on)
	case *Mint:
		mode := ""
		if a.Offline {
			mode = " offline"
		}
		return fmt.Sprintf("mint %d%s to %s on %s", a.Blocks, mode, a.Minter, on)
	case *Send:
		return fmt.Sprintf("send %d from %s to %s on %s", a.Amount, a.From, a.To, on)
	case *Partition:
		var sets []string
		for _, name := range a.Names() {
			sets = append(sets, fmt.Sprintf("%s=[%s]", name, strings.Join((*a)[name], ",")))
		}
		return "partition " + strings.Join(sets, " ")
	case *Heal:
		return "heal"
	case *Shape:
		return fmt.Sprintf("shape %s between %s", a.Rule(), describeSets(a.Between))
	case *Unshape:
		if a.Between == nil {
			return "unshape every link"
		}
		return "unshape between " + describeSets(a.Between)
	case *Sleep:
		return "sleep " + a.For.String()
	case *TxLoad:
		rate := "as fast as accepted"
		if a.Rate != AsFastAsAccepted {
			rate = fmt.Sprintf("%g tx/s", a.Rate)
		}
		return fmt.Sprintf("load %s for %s from %d wallets on %s", rate, a.For, a.Wallets, on)
	case *Height:
		return fmt.Sprintf("height >= %d on %s", a.Min, on)
	case *Converged:
		return "converged on " + on
	case *Balance:
		if a.Equals != nil {
			return fmt.Sprintf("balance of %s on %s = %d", a.Wallet, on, *a.Equals)
		}
		return fmt.Sprintf("balance of %s on %s >= %d", a.Wallet, on, deref(a.Min))
	case *Peers:
		return fmt.Sprintf("peers >= %d on %s", a.Min, on)
	case *ConnectedVia:
		return fmt.Sprintf("connected_via %s on %s", strings.Join(a.Via, " or "), on)
	case *Log:
		return fmt.Sprintf("log /%s/ on %s", a.Match, on)
	case *Payments:
		return "payments sent confirmed or conflicting, none lost, on " + on
	case *UTXO:
		return "utxo sets as their blocks make them, within the subsidies, equal on one tip, on " + on
	case *Throughput:
		return fmt.Sprintf("throughput >= %g tx/s over %s on %s", a.MinTPS, a.For, on)
	case *Propagation:
		return fmt.Sprintf("propagation p99 <= %s over the last %d blocks on %s", a.P99, a.Blocks, on)
	case *RTT:
		return fmt.Sprintf("rtt to %s in [%s, %s] on %s", a.Peer, a.Min, a.Max, on)
	}
	return s.Kind + " " + on
}

func describeSets(sets []Targets) string {
	parts := make([]string, len(sets))
	for i, t := range sets {
		parts[i] = "[" + strings.Join(t, ",") + "]"
	}
	return strings.Join(parts, " ")
}

// Names returns the partition's set names in a stable order.
func (p Partition) Names() []string {
	names := make([]string, 0, len(p))
	for k := range p {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func deref(p *uint64) uint64 {
	if p == nil {
		return 0
	}
	return *p
}
