package netcut

import (
	"bytes"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestArgsRoundTrip(t *testing.T) {
	a, b, c := netip.MustParseAddr("10.77.1.2"), netip.MustParseAddr("10.77.1.10"), netip.MustParseAddr("10.77.1.11")
	all := []netip.Addr{a, b, c}
	targets := []Target{{PID: 42, Block: []netip.Addr{c}}, {PID: 43, Block: []netip.Addr{b}}, {PID: 44}}
	gotAll, gotTargets, err := parse(Args(all, targets))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotAll, all) || !reflect.DeepEqual(gotTargets, targets) {
		t.Fatalf("round trip: %v %v, want %v %v", gotAll, gotTargets, all, targets)
	}
}

func TestMainRejectsBadArgs(t *testing.T) {
	for _, args := range [][]string{nil, {"10.77.1.2", "x=10.77.1.3"}, {"10.77.1.2", "7=fe80::1"}, {"nope"}} {
		var out, errb bytes.Buffer
		if code := Main(args, &out, &errb); code == 0 || !strings.HasPrefix(errb.String(), "netcut:") || out.Len() != 0 {
			t.Errorf("Main(%q) = %d, stdout %q, stderr %q", args, code, out.String(), errb.String())
		}
	}
}
