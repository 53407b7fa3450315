package cli

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	if err := applyMemoryLimit("80MiB", true, true); err != nil || debug.SetMemoryLimit(-1) != 80<<20 {
		t.Fatalf("a given flag wins over GOMEMLIMIT: %v, limit %d", err, debug.SetMemoryLimit(-1))
	}
	debug.SetMemoryLimit(1 << 40)
	if err := applyMemoryLimit(defaultMemoryLimit, false, true); err != nil || debug.SetMemoryLimit(-1) != 1<<40 {
		t.Fatalf("GOMEMLIMIT wins over the default: %v", err)
	}
	for in, want := range map[string]string{"lots": "want a size", "1MiB": "below 16MiB"} {
		if err := applyMemoryLimit(in, true, false); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--memory-limit %s: %v, want %q", in, err, want)
		}
	}
}
