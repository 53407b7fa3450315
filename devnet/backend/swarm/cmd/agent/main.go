// Command devnet-agent is the swarm backend's agent (package agent), as a
// small static binary for its image; `make image` builds it next to devnet.
package main

import (
	"os"

	"github.com/devchain/devchain/devnet/backend/swarm/agent"
)

func main() {
	os.Exit(agent.Main(os.Args[1:], os.Stderr))
}
