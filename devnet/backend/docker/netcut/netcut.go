// Package netcut makes devnet node addresses unreachable inside the network
// namespaces of containers, for partitions that keep every node's address.
//
// Docker cannot give two networks the same subnet, so moving the sides of a
// partition to separate networks would change node addresses that peers
// have stored. Instead, a short-lived privileged helper container (host PID
// namespace) runs this code: it enters each node's network namespace and
// installs "unreachable" routes to the nodes of the other sides. Packets
// across the cut are refused at the sender, in both directions, while the
// bridge network, addresses and multiaddrs stay as they are.
package netcut

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// OK starts the helper's success line, which the runtime checks.
const OK = "netcut: ok"

// Target is one namespace to set: the process whose network namespace it
// is, and the addresses that must be unreachable from it.
type Target struct {
	PID   int
	Block []netip.Addr
}

// Args encodes a request: all is every address the devnet may block (routes
// to them that netcut installed earlier are removed first), then each target.
func Args(all []netip.Addr, targets []Target) []string {
	args := []string{join(all)}
	for _, t := range targets {
		args = append(args, strconv.Itoa(t.PID)+"="+join(t.Block))
	}
	return args
}

func join(addrs []netip.Addr) string {
	s := make([]string, len(addrs))
	for i, a := range addrs {
		s[i] = a.String()
	}
	return strings.Join(s, ",")
}

func parseAddrs(s string) ([]netip.Addr, error) {
	if s == "" {
		return nil, nil
	}
	var out []netip.Addr
	for _, f := range strings.Split(s, ",") {
		a, err := netip.ParseAddr(f)
		if err != nil || !a.Is4() {
			return nil, fmt.Errorf("address %q: want IPv4", f)
		}
		out = append(out, a)
	}
	return out, nil
}

// parse decodes Args.
func parse(args []string) ([]netip.Addr, []Target, error) {
	if len(args) < 1 {
		return nil, nil, fmt.Errorf("usage: netcut ALL-ADDRS PID=BLOCKED-ADDRS...")
	}
	all, err := parseAddrs(args[0])
	if err != nil {
		return nil, nil, err
	}
	var targets []Target
	for _, a := range args[1:] {
		pid, block, ok := strings.Cut(a, "=")
		n, err := strconv.Atoi(pid)
		if !ok || err != nil || n <= 0 {
			return nil, nil, fmt.Errorf("target %q: want PID=ADDR,ADDR", a)
		}
		addrs, err := parseAddrs(block)
		if err != nil {
			return nil, nil, fmt.Errorf("target %q: %w", a, err)
		}
		targets = append(targets, Target{PID: n, Block: addrs})
	}
	return all, targets, nil
}
