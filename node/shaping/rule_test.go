package shaping

import (
	"strings"
	"testing"
	"time"
)

func TestParseRoundTrip(t *testing.T) {
	r, err := Parse("delay=100ms, jitter=10ms,bandwidth=1.5mbit,loss=5%")
	if err != nil {
		t.Fatal(err)
	}
	want := Rule{Delay: 100 * time.Millisecond, Jitter: 10 * time.Millisecond, Bandwidth: 1_500_000, Loss: 0.05}
	if r != want {
		t.Fatalf("got %+v, want %+v", r, want)
	}
	if s := r.String(); s != "delay=100ms,jitter=10ms,bandwidth=1500kbit,loss=5%" {
		t.Errorf("String() = %q", s)
	}
	if back, err := Parse(r.String()); err != nil || back != r {
		t.Errorf("String does not parse back: %+v %v", back, err)
	}
	if r, err := Parse(""); err != nil || !r.IsZero() || r.String() != "" {
		t.Errorf("empty rule: %+v %v", r, err)
	}
}

// Every bad rule names what is wrong.
func TestParseRefuses(t *testing.T) {
	for in, want := range map[string]string{
		"delay=-5ms":            "negative",
		"delay=11s":             "above 10s",
		"delay=10ms,jitter=1s":  "jitter 1s above the delay",
		"delay=fast":            "bad duration",
		"bandwidth=1mbps":       "unit: bit, kbit, mbit or gbit",
		"bandwidth=-1mbit":      "negative bandwidth",
		"bandwidth=1kbit":       "below 64kbit",
		"bandwidth=1000gbit":    "above 100gbit",
		"bandwidth=NaNmbit":     "want a number",
		"loss=101%":             "outside 0%–100%",
		"loss=-1%":              "outside 0%–100%",
		"loss=0.5":              "want a percentage",
		"loss=NaN%":             "want a percentage",
		"speed=1mbit":           `unknown key "speed"`,
		"delay":                 "not key=value",
		"delay=1ms,delay=2ms":   "delay given twice",
		"bandwidth=1mbit,loss=": "want a percentage",
	} {
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

// Due keeps messages in order whatever the jitter draws, and spreads the
// delays over Delay ± Jitter. Order is checked on messages 1 µs apart
// (a long draw holds back those behind it), the spread on messages
// further apart than the longest delay, which no earlier one holds back.
func TestDueKeepsOrder(t *testing.T) {
	l := NewLink(Rule{Delay: 10 * time.Millisecond, Jitter: 10 * time.Millisecond})
	now := time.Now()
	var prev time.Time
	for i := range 1000 {
		due := l.Due(now.Add(time.Duration(i) * time.Microsecond))
		if due.Before(prev) {
			t.Fatalf("message %d due before the one queued before it", i)
		}
		prev = due
	}
	lo, hi := time.Hour, time.Duration(0)
	for i := range 1000 {
		at := prev.Add(time.Duration(i+1) * 25 * time.Millisecond)
		d := l.Due(at).Sub(at)
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo < 0 || hi > 20*time.Millisecond+time.Millisecond || hi-lo < 5*time.Millisecond {
		t.Errorf("delays spread over [%s, %s], want within [0, 20ms] and spread", lo, hi)
	}
	if !NewLink(Rule{}).Due(now).IsZero() {
		t.Error("a link without delay holds messages back")
	}
}
