package chaos

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Schedule is a chaos scenario file split for shrinking: its fixed head
// (everything before the first chaos action: the base's own steps), the
// chaos actions, each with the checks and the sleep after it, and its
// fixed tail (the final phase and the invariants).
type Schedule struct {
	doc     yaml.Node
	steps   *yaml.Node // the steps sequence inside doc
	head    []*yaml.Node
	actions [][]*yaml.Node // each: the action step, then its sleep if any
	tail    []*yaml.Node
}

// ParseSchedule splits a scenario written by Render (or one written the
// same way: actions are the steps named "chaos N: …").
func ParseSchedule(raw []byte) (*Schedule, error) {
	s := &Schedule{}
	if err := yaml.Unmarshal(raw, &s.doc); err != nil {
		return nil, err
	}
	if len(s.doc.Content) == 0 || s.doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("not a scenario mapping")
	}
	root := s.doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "steps" && root.Content[i+1].Kind == yaml.SequenceNode {
			s.steps = root.Content[i+1]
		}
	}
	if s.steps == nil {
		return nil, fmt.Errorf("no steps")
	}
	for _, n := range s.steps.Content {
		switch {
		case isAction(n):
			s.actions = append(s.actions, []*yaml.Node{n})
		case len(s.actions) == 0:
			s.head = append(s.head, n)
		case (isSleep(n) || isCheck(n)) && len(s.tail) == 0:
			last := &s.actions[len(s.actions)-1]
			*last = append(*last, n)
		default:
			s.tail = append(s.tail, n)
		}
	}
	if len(s.actions) == 0 {
		return nil, fmt.Errorf("no chaos actions (steps named \"chaos N: …\")")
	}
	return s, nil
}

func field(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func isAction(n *yaml.Node) bool {
	name := field(n, "name")
	return name != nil && strings.HasPrefix(name.Value, "chaos ")
}

// isCheck tells a check that belongs to the action before it (it tests
// what that action did) from the final phase's invariants.
func isCheck(n *yaml.Node) bool {
	name := field(n, "name")
	return name != nil && strings.HasPrefix(name.Value, "check: ")
}

func isSleep(n *yaml.Node) bool { return field(n, "sleep") != nil && field(n, "name") == nil }

// Actions is how many chaos actions the schedule holds.
func (s *Schedule) Actions() int { return len(s.actions) }

// render writes the schedule with only the actions in keep (indexes into
// s.actions, in order), its sleeps scaled by sleepScale, and a head
// comment.
func (s *Schedule) render(keep []int, sleepScale float64, comment string) ([]byte, error) {
	var seq []*yaml.Node
	seq = append(seq, s.head...)
	for _, i := range keep {
		for j, n := range s.actions[i] {
			if j > 0 && sleepScale != 1 && isSleep(n) {
				n = scaledSleep(n, sleepScale)
			}
			seq = append(seq, n)
		}
	}
	seq = append(seq, s.tail...)
	saved, savedComment := s.steps.Content, s.doc.HeadComment
	s.steps.Content, s.doc.HeadComment = seq, comment
	defer func() { s.steps.Content, s.doc.HeadComment = saved, savedComment }()
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&s.doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// scaledSleep is a copy of a sleep step lasting scale as long (at least 10 ms).
func scaledSleep(n *yaml.Node, scale float64) *yaml.Node {
	d, err := time.ParseDuration(field(n, "sleep").Value)
	if err != nil {
		return n
	}
	d = max(10*time.Millisecond, time.Duration(float64(d)*scale))
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "sleep"}, {Kind: yaml.ScalarNode, Tag: "!!str", Value: d.String()},
	}}
}

// ShrinkConfig bounds a shrink.
type ShrinkConfig struct {
	// Reruns is how often a candidate runs before it counts as passing:
	// runs are not deterministic, and one failure the same way is enough.
	Reruns int
	// Budget is the most runs in all.
	Budget int
	// Run runs a candidate scenario file's content and returns the name
	// of the step that failed ("" when it passed).
	Run func(ctx context.Context, candidate []byte) (failedStep string, err error)
	// Say receives progress lines.
	Say func(format string, args ...any)
}

// ShrinkResult is the smallest schedule found that still fails at the
// same step.
type ShrinkResult struct {
	Minimal []byte
	Actions int // chaos actions left
	Runs    int // runs spent
}

// Shrink removes chunks of actions (ddmin: halves, then quarters, …,
// keeping any complement that still fails at invariant), then tries the
// survivors with sleeps a tenth as long, then each partition with nodes
// taken out of its sides one at a time, within cfg.Budget runs. The
// minimal file names the invariant in its head comment.
func Shrink(ctx context.Context, s *Schedule, invariant string, cfg ShrinkConfig) (*ShrinkResult, error) {
	runs := 0
	fails := func(keep []int, scale float64) (bool, error) {
		raw, err := s.render(keep, scale, "")
		if err != nil {
			return false, err
		}
		for range cfg.Reruns {
			if runs >= cfg.Budget || ctx.Err() != nil {
				return false, ctx.Err()
			}
			runs++
			failed, err := cfg.Run(ctx, raw)
			if err != nil {
				return false, err
			}
			if failed == invariant {
				return true, nil
			}
		}
		return false, nil
	}
	keep := make([]int, len(s.actions))
	for i := range keep {
		keep[i] = i
	}
	n := 2
	for len(keep) >= 2 && runs < cfg.Budget {
		chunks := split(keep, n)
		reduced := false
		for _, c := range chunks {
			candidate := without(keep, c)
			ok, err := fails(candidate, 1)
			if err != nil {
				return nil, err
			}
			if ok {
				keep, n, reduced = candidate, max(n-1, 2), true
				cfg.Say("shrink: %d actions still fail at %q (%d runs so far)", len(keep), invariant, runs)
				break
			}
		}
		if !reduced {
			if n >= len(keep) {
				break
			}
			n = min(2*n, len(keep))
		}
	}
	if len(keep) == 1 && runs < cfg.Budget {
		if ok, err := fails(nil, 1); err != nil {
			return nil, err
		} else if ok {
			keep = nil
		}
	}
	scale := 1.0
	if ok, err := fails(keep, 0.1); err != nil {
		return nil, err
	} else if ok {
		scale = 0.1
	}
	// Fewer nodes in each partition, one at a time: a node taken out of
	// its side talks to everyone again.
	for _, i := range keep {
		for reduced := true; reduced && runs < cfg.Budget; {
			reduced = false
			act := s.actions[i][0]
			for _, cand := range fewerInPartition(act) {
				s.actions[i][0] = cand
				ok, err := fails(keep, scale)
				if err != nil {
					s.actions[i][0] = act
					return nil, err
				}
				if ok {
					reduced = true
					cfg.Say("shrink: %s still fails at %q (%d runs so far)", field(cand, "name").Value, invariant, runs)
					break
				}
				s.actions[i][0] = act
			}
		}
	}
	comment := fmt.Sprintf("Minimal schedule: %d chaos actions still fail at %q (found in %d runs, %d runs a candidate).\nReplay: devnet run -f THIS_FILE --repeat 3", len(keep), invariant, runs, cfg.Reruns)
	raw, err := s.render(keep, scale, comment)
	if err != nil {
		return nil, err
	}
	return &ShrinkResult{Minimal: raw, Actions: len(keep), Runs: runs}, nil
}

// split cuts v into n chunks of nearly equal length.
func split(v []int, n int) [][]int {
	var out [][]int
	for i := range n {
		lo, hi := i*len(v)/n, (i+1)*len(v)/n
		if lo < hi {
			out = append(out, v[lo:hi])
		}
	}
	return out
}

// without is v less the elements of c (a chunk of v).
func without(v, c []int) []int {
	drop := map[int]bool{}
	for _, x := range c {
		drop[x] = true
	}
	var out []int
	for _, x := range v {
		if !drop[x] {
			out = append(out, x)
		}
	}
	return out
}

// fewerInPartition gives, for a partition action, each copy of it with
// one node taken out of a side that keeps another; nil for other steps.
// The copy's name says its sides.
func fewerInPartition(act *yaml.Node) []*yaml.Node {
	sides := field(act, "partition")
	if sides == nil || sides.Kind != yaml.MappingNode {
		return nil
	}
	var out []*yaml.Node
	for si := 1; si < len(sides.Content); si += 2 {
		side := sides.Content[si]
		if side.Kind != yaml.SequenceNode || len(side.Content) < 2 {
			continue
		}
		for ni := range side.Content {
			cand := clone(act)
			cs := field(cand, "partition").Content[si]
			cs.Content = append(cs.Content[:ni:ni], cs.Content[ni+1:]...)
			if name := field(cand, "name"); name != nil {
				prefix, _, _ := strings.Cut(name.Value, ": ")
				name.Value = prefix + ": partition " + describeSides(field(cand, "partition"))
			}
			out = append(out, cand)
		}
	}
	return out
}

// describeSides writes a partition's sides as the generator names them.
func describeSides(sides *yaml.Node) string {
	var parts []string
	for i := 1; i < len(sides.Content); i += 2 {
		var names []string
		for _, n := range sides.Content[i].Content {
			names = append(names, n.Value)
		}
		parts = append(parts, fmt.Sprintf("%v", names))
	}
	return strings.Join(parts, " | ")
}

// clone is a deep copy of a YAML node.
func clone(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, child := range n.Content {
		c.Content[i] = clone(child)
	}
	return &c
}
