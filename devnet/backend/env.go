package backend

import (
	"runtime"
	"strings"
)

// NodeEnv is the environment of a node of a devnet of nodes nodes, from
// env: with more nodes than CPUs, each node's Go runtime gets one P (unless
// GOMAXPROCS is set). Dozens of runtimes each spinning threads over every
// core to look for work cost more than they gain: 50 process nodes started
// in 5.6 s instead of 9.6 s and idled at 0.6 instead of 0.9 cores on a
// 2-core machine.
func NodeEnv(env []string, nodes int) []string {
	if nodes <= runtime.NumCPU() {
		return env
	}
	for _, kv := range env {
		if strings.HasPrefix(kv, "GOMAXPROCS=") {
			return env
		}
	}
	return append(env, "GOMAXPROCS=1")
}
