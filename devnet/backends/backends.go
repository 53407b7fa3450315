// Package backends is the list of backends devnet can run a devnet on. A new
// backend is a package implementing backend.Backend that exports a
// backend.Provider, plus one line in All.
package backends

import (
	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/backend/docker"
	"github.com/devchain/devchain/devnet/backend/process"
	"github.com/devchain/devchain/devnet/backend/swarm"
)

// All are the providers in order of preference: automatic selection takes
// the first one available here.
func All() []backend.Provider {
	return []backend.Provider{
		docker.Provider,
		process.Provider,
		swarm.Provider, // never picked automatically: an engine in a swarm runs docker devnets too
	}
}
