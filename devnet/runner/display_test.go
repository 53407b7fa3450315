package runner

import (
	"bytes"
	"strings"
	"testing"
)

func TestDisplayPlainPrintsChangesOnly(t *testing.T) {
	var out bytes.Buffer
	d := newDisplay(&out)
	if d.tty {
		t.Fatal("a buffer is not a terminal")
	}
	names := []string{"a", "b"}
	d.show(names, map[string]string{"a": "a height 1", "b": "b height 1"})
	d.show(names, map[string]string{"a": "a height 1", "b": "b height 1"})
	if got := strings.Count(out.String(), "\n"); got != 2 {
		t.Errorf("unchanged lines printed again: %q", out.String())
	}
}

func TestDisplayTTYRedrawsInPlace(t *testing.T) {
	var out bytes.Buffer
	d := &display{w: &out, tty: true}
	names := []string{"a", "b"}
	d.show(names, map[string]string{"a": "a 1", "b": "b 1"})
	d.show(names, map[string]string{"a": "a 2", "b": "b 2"})
	if !strings.Contains(out.String(), "\x1b[2A") {
		t.Errorf("second draw did not move up over the first: %q", out.String())
	}
	d.clear()
	if !strings.HasSuffix(out.String(), "\x1b[2A\x1b[J") || d.drawn != 0 {
		t.Errorf("clear did not erase the block: %q", out.String())
	}
}
