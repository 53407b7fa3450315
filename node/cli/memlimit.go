package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/docker/go-units"
)

// defaultMemoryLimit is the soft limit of a node's Go memory. Without one
// the collector lets the heap grow to twice what is live, and RSS
// follows: 10 nodes under 400 payments a second reached 94–128 MB, and
// 89–92 MB with this limit under 450 a second, at the same throughput.
// It is soft: a node that needs more gets it, at the cost of collecting
// more often.
const defaultMemoryLimit = "64MiB"

// applyMemoryLimit sets the runtime's soft memory limit from --memory-limit,
// unless GOMEMLIMIT set one and the flag was not given.
func applyMemoryLimit(flag string, given, fromEnv bool) error {
	if fromEnv && !given {
		return nil
	}
	n, err := units.RAMInBytes(flag)
	if err != nil || n < 0 {
		return fmt.Errorf("%q: want a size like 96MiB, or 0 for none", flag)
	}
	if n > 0 && n < 16<<20 {
		return fmt.Errorf("%q: below 16MiB a node spends its time collecting garbage", flag)
	}
	if n > 0 {
		debug.SetMemoryLimit(n)
	}
	return nil
}
