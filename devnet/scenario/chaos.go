package scenario

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Chaos configures `devnet chaos` on the scenario's devnet: how many
// actions its schedule has, the pause after each, how long the final
// checks may wait, and how often each kind of action is drawn. `devnet
// run` ignores it.
type Chaos struct {
	Pos     Pos      `yaml:"-"`
	Steps   int      `yaml:"steps"`
	Every   Duration `yaml:"every"`
	Settle  Duration `yaml:"settle"`
	MaxDown int      `yaml:"max_down"`
	Weights Weights  `yaml:"weights"`
}

// ChaosActions are the actions a chaos schedule draws from, each with its
// default weight.
var ChaosActions = map[string]int{
	"kill": 1, "stop": 1, "restart": 2, "pause": 1, "partition": 1, "mint": 3, "send": 2, "load": 1, "bootstrap": 1, "shape": 1,
}

// Defaults and bounds of the chaos section.
const (
	DefaultChaosSteps  = 30
	DefaultChaosEvery  = time.Second
	DefaultChaosSettle = 60 * time.Second
	MaxChaosSteps      = 5000
)

// Weights are how often each chaos action is drawn, relative to the
// others; each remembers its line for errors.
type Weights struct {
	Of    map[string]int
	lines map[string]int
}

func (w *Weights) decodeYAML(d *decoder, n *yaml.Node, path string) error {
	w.Of, w.lines = map[string]int{}, map[string]int{}
	return d.eachPair(n, path, func(k, val *yaml.Node) error {
		var v int
		if err := d.decode(val, reflect.ValueOf(&v).Elem(), path+"."+k.Value); err != nil {
			return err
		}
		w.Of[k.Value], w.lines[k.Value] = v, k.Line
		return nil
	})
}

// Weight is the weight of action a: as written, or its default.
func (c *Chaos) Weight(a string) int {
	if v, ok := c.Weights.Of[a]; ok {
		return v
	}
	return ChaosActions[a]
}

func (c *Chaos) setDefaults(chainNodes int) {
	if c.Steps == 0 {
		c.Steps = DefaultChaosSteps
	}
	if c.Every == 0 {
		c.Every = Duration(DefaultChaosEvery)
	}
	if c.Settle == 0 {
		c.Settle = Duration(DefaultChaosSettle)
	}
	if c.MaxDown == 0 {
		c.MaxDown = max(1, chainNodes/3)
	}
}

func (c *Chaos) validate(errs *errorList, chainNodes int) {
	if c.Steps < 1 || c.Steps > MaxChaosSteps {
		errs.add(c.Pos, "chaos.steps %d: want 1 to %d", c.Steps, MaxChaosSteps)
	}
	if c.MaxDown < 0 || c.MaxDown >= chainNodes {
		errs.add(c.Pos, "chaos.max_down %d: want 1 to %d (one node below the %d chain nodes stays up)", c.MaxDown, chainNodes-1, chainNodes)
	}
	known := slices.Sorted(maps.Keys(ChaosActions))
	sum := 0
	for a := range ChaosActions {
		sum += max(0, c.Weight(a))
	}
	for _, a := range slices.Sorted(maps.Keys(c.Weights.Of)) {
		p := Pos{c.Pos.File, c.Weights.lines[a]}
		if _, ok := ChaosActions[a]; !ok {
			errs.add(p, "chaos.weights: unknown action %q (known: %s)", a, strings.Join(known, ", "))
			continue
		}
		if v := c.Weights.Of[a]; v < 0 || v > 1000 {
			errs.add(p, "chaos.weights.%s %d: want 0 to 1000", a, v)
		}
	}
	if sum == 0 {
		errs.add(c.Pos, "chaos.weights: every weight is 0, so no action can be drawn")
	}
}
