package docker

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/devchain/devchain/devnet/spec"
)

// The kernel keeps one neighbour (ARP) table for every network namespace,
// so all the containers of all devnets share it. Its hard limit, gc_thresh3,
// is 1024 on a stock kernel; past it new neighbours do not resolve and
// nodes stop answering ("neighbor table overflow" in dmesg). A chain node
// costs about one entry per peer, two for its bootstrap connection and two
// for the host's polls (one in each namespace). Its connection cap C
// (chaind --max-peers) counts the bootstrap connection too, so a node costs
// C + entriesPerNode. Devnet sizes C so that the whole devnet fits with
// headroom, rather than asking users for a sysctl.
const (
	// neighbourLimitFile is where the kernel keeps the table's hard limit.
	neighbourLimitFile = "/proc/sys/net/ipv4/neigh/default/gc_thresh3"
	// entriesPerNode are a chain node's entries besides one per connection.
	entriesPerNode = 3
	// neighbourHeadroom is the share of the table a devnet may plan for:
	// the host and other containers use some, and connections churn.
	neighbourHeadroom = 0.85
	// minMaxPeers is the fewest connections a chain node may be capped at:
	// the bootstrap and 4 peers. Below it, a partition or two stopped peers
	// can cut a node off.
	minMaxPeers = 5
	// defaultMaxPeers and defaultTargetPeers are chaind's own defaults,
	// kept where the table has room for them.
	defaultMaxPeers    = 32
	defaultTargetPeers = 8
	// minTargetPeers is the fewest peers a node dials for.
	minTargetPeers = 2
)

// maxPeersFor sizes the connections of each of chainNodes to a neighbour
// table holding limit entries: the largest M with
// chainNodes × (M + entriesPerNode) ≤ neighbourHeadroom × limit, at most
// chaind's default. It fails when M would fall below minMaxPeers, naming
// what the devnet needs and the sysctl that gives it.
func maxPeersFor(chainNodes, limit int) (int, error) {
	maxPeers := min(int(neighbourHeadroom*float64(limit))/chainNodes-entriesPerNode, defaultMaxPeers)
	if maxPeers < minMaxPeers {
		need := neededEntries(chainNodes, minMaxPeers)
		return 0, fmt.Errorf("%d chain nodes need about %d kernel neighbour (ARP) entries even at %d connections each, "+
			"but the table holds %d (net.ipv4.neigh.default.gc_thresh3); raise it, as root: %s",
			chainNodes, need, minMaxPeers, limit, sysctlFor(need))
	}
	return maxPeers, nil
}

// neededEntries is the table size a devnet of chainNodes capped at
// maxPeers wants, headroom included.
func neededEntries(chainNodes, maxPeers int) int {
	return int(float64(chainNodes*(maxPeers+entriesPerNode))/neighbourHeadroom) + 1
}

// sysctlFor is the command that makes the table hold need entries: the
// next power of two, with gc_thresh2 (where the kernel starts collecting)
// at half of it.
func sysctlFor(need int) string {
	want := 1024
	for want < need {
		want *= 2
	}
	return fmt.Sprintf("sysctl -w net.ipv4.neigh.default.gc_thresh2=%d net.ipv4.neigh.default.gc_thresh3=%d", want/2, want)
}

// readNeighbourLimit reads gc_thresh3 from path; 0 when it cannot be read
// (not Linux, or an engine on another host: nothing to size to).
func readNeighbourLimit(path string) int {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	limit, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return 0
	}
	return limit
}

// sizePeers fills in the peer limits net's chain nodes leave open, sized to
// a table of limit entries, and checks the ones the scenario set. It fails
// before anything starts when the devnet cannot fit.
func sizePeers(net *spec.Network, limit int) error {
	var chain []*spec.Node
	for i := range net.Nodes {
		if net.Nodes[i].Role == spec.RoleNode {
			chain = append(chain, &net.Nodes[i])
		}
	}
	if len(chain) == 0 || limit <= 0 {
		return nil
	}
	sized, sizeErr := maxPeersFor(len(chain), limit)
	for _, n := range chain {
		if n.MaxPeers == 0 {
			if sizeErr != nil {
				return fmt.Errorf("devnet %s: %w", net.Name, sizeErr)
			}
			n.MaxPeers = max(sized, n.TargetPeers)
		}
		if need := neededEntries(len(chain), n.MaxPeers); need > limit {
			return fmt.Errorf("devnet %s: %d chain nodes with up to %d peers each need about %d kernel neighbour (ARP) entries, "+
				"but the table holds %d; lower network.max_peers or target_peers (or leave them out), or raise the table, as root: %s",
				net.Name, len(chain), n.MaxPeers, need, limit, sysctlFor(need))
		}
		if n.TargetPeers == 0 {
			n.TargetPeers = targetFor(n.MaxPeers)
		}
	}
	return nil
}

// targetFor is the peers a node capped at maxPeers connections dials for:
// half of what the bootstrap leaves, within minTargetPeers and chaind's
// default. Nodes that dial half their room keep the other half for inbound
// peers; with more, the first nodes fill up among themselves and a capped
// network can split into cliques.
func targetFor(maxPeers int) int {
	return min(max((maxPeers-1)/2, minTargetPeers), defaultTargetPeers)
}

// SizePeersToHost is Setup's sizing for a devnet of this host's engine
// whose containers share this kernel's neighbour table (the swarm backend's
// on a one-node swarm: overlay peers cost entries as bridge peers do).
func SizePeersToHost(net *spec.Network) error {
	return sizePeers(net, readNeighbourLimit(neighbourLimitFile))
}
