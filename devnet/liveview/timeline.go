package liveview

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Event is one entry of the timeline, derived by comparing two polls.
type Event struct {
	Time time.Time `json:"time"`
	// Kind is "down", "up", "tip", "reorg", "ban", "peer" or "gone".
	Kind string `json:"kind"`
	Node string `json:"node,omitempty"`
	Text string `json:"text"`
}

// maxEvents bounds the timeline: older events are dropped.
const maxEvents = 200

// timeline keeps the last maxEvents events, oldest first.
type timeline struct {
	events []Event
}

func (t *timeline) add(e Event) {
	if len(t.events) == maxEvents {
		t.events = slices.Delete(t.events, 0, 1)
	}
	t.events = append(t.events, e)
}

func (t *timeline) list() []Event {
	return slices.Clone(t.events)
}

// diff records what changed between the polls prev and cur: nodes going
// down or up, reorgs (a lower height, another tip at the same height, or a
// tip replaced below the new one: reorged) of the nodes whose own event
// log does not tell them (told), new tips (one event per tip, naming the
// nodes that moved to it) and peers found or lost.
func (t *timeline) diff(now time.Time, prev map[string]NodeView, cur []NodeView, reorged, told map[string]bool) {
	if prev == nil {
		return
	}
	movedTo := map[string][]string{}
	var tips []string
	heightOf := map[string]uint64{}
	for _, c := range cur {
		p, ok := prev[c.Name]
		if !ok {
			continue
		}
		ev := func(kind, format string, args ...any) {
			t.add(Event{Time: now, Kind: kind, Node: c.Name, Text: c.Name + " " + fmt.Sprintf(format, args...)})
		}
		switch {
		case p.State == stateRunning && c.State != stateRunning:
			ev("down", "is down: %s", cause(c.Error))
			continue
		case p.State != stateRunning && c.State == stateRunning:
			ev("up", "is up at height %d", c.Height)
			continue
		case c.State != stateRunning:
			continue
		}
		if c.Tip != p.Tip && !told[c.Name] && (reorged[c.Name] || c.Height <= p.Height) {
			ev("reorg", "reorganised: height %d → %d, tip %s replaced by %s", p.Height, c.Height, short(p.Tip), short(c.Tip))
		} else if c.Tip != p.Tip {
			if movedTo[c.Tip] == nil {
				tips = append(tips, c.Tip)
			}
			movedTo[c.Tip] = append(movedTo[c.Tip], c.Name)
			heightOf[c.Tip] = c.Height
		}
		if found := missing(c.Peers, p.Peers); len(found) > 0 {
			ev("peer", "found %s", list(found))
		}
		if lost := missing(p.Peers, c.Peers); len(lost) > 0 {
			ev("peer", "lost %s", list(lost))
		}
	}
	for _, tip := range tips {
		t.add(Event{Time: now, Kind: "tip", Text: fmt.Sprintf("tip %s at height %d on %s", short(tip), heightOf[tip], list(movedTo[tip]))})
	}
}

// missing are the items of a that b lacks; both sorted.
func missing(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok {
			out = append(out, x)
		}
	}
	return out
}

// listMax is how many names an event lists before it counts the rest.
const listMax = 4

// list names a few of names and counts the others.
func list(names []string) string {
	if len(names) <= listMax {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:listMax-1], ", "), len(names)-listMax+1)
}

// cause is the end of an error's chain of contexts ("connection refused",
// "context deadline exceeded"): what a timeline line has room for; the
// whole error stays in the node's view.
func cause(err string) string {
	if i := strings.LastIndex(err, ": "); i >= 0 {
		return err[i+len(": "):]
	}
	return err
}

// short is a hash's first 12 digits, as `devnet status` shows it.
func short(h string) string {
	return h[:min(len(h), 12)]
}
