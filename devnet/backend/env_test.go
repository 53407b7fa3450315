package backend

import (
	"runtime"
	"slices"
	"testing"
)

func TestNodeEnvOneProcPerNodeWhenCrowded(t *testing.T) {
	base := []string{"PATH=/bin"}
	if got := NodeEnv(base, 1); !slices.Equal(got, base) {
		t.Fatalf("one node: env %v, want %v unchanged", got, base)
	}
	crowded := runtime.NumCPU() + 1
	if got := NodeEnv(base, crowded); !slices.Contains(got, "GOMAXPROCS=1") {
		t.Fatalf("%d nodes: env %v, want GOMAXPROCS=1", crowded, got)
	}
	set := []string{"GOMAXPROCS=4"}
	if got := NodeEnv(set, crowded); !slices.Equal(got, set) {
		t.Fatalf("GOMAXPROCS set by the user: env %v, want %v unchanged", got, set)
	}
}
