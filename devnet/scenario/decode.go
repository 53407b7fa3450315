package scenario

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Error is one problem in a scenario file, at a line.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Load reads a scenario file, applies defaults and validates it. Nothing
// in the returned errors needs a running node: a scenario that loads is
// complete and consistent.
func Load(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return Parse(path, raw)
}

// Parse is Load on bytes already read; file names the source in errors.
func Parse(file string, raw []byte) (*Config, error) {
	cfg, err := Decode(file, raw)
	if err != nil {
		return nil, err
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Decode turns YAML into a Config without defaults or validation. Unknown
// keys, duplicate keys and values of the wrong type are errors.
func Decode(file string, raw []byte) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		// yaml.v3 syntax errors read "yaml: line N: what".
		return nil, fmt.Errorf("%s:%s", file, strings.TrimPrefix(err.Error(), "yaml: line "))
	}
	cfg := &Config{Pos: Pos{File: file, Line: 1}}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &Error{Pos{file, 1}, "empty scenario"}
	}
	d := &decoder{file: file}
	if err := d.decode(doc.Content[0], reflect.ValueOf(cfg).Elem(), ""); err != nil {
		return nil, err
	}
	return cfg, nil
}

// decoder is a strict, position-keeping walk of a yaml.Node tree into Go
// values. yaml.v3's own Node.Decode ignores unknown keys and loses the file
// name, so structure is walked here and only scalars go through yaml.v3.
type decoder struct{ file string }

// nodeDecoder is implemented by types with their own YAML shape.
type nodeDecoder interface {
	decodeYAML(d *decoder, n *yaml.Node, path string) error
}

var posType = reflect.TypeOf(Pos{})

func (d *decoder) errf(n *yaml.Node, format string, args ...any) error {
	return &Error{Pos{d.file, n.Line}, fmt.Sprintf(format, args...)}
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if v.CanAddr() {
		if nd, ok := v.Addr().Interface().(nodeDecoder); ok {
			return nd.decodeYAML(d, n, path)
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return nil
		}
		v.Set(reflect.New(v.Type().Elem()))
		return d.decode(n, v.Elem(), path)
	case reflect.Struct:
		return d.decodeStruct(n, v, path)
	case reflect.Slice:
		if isNull(n) {
			return nil
		}
		if n.Kind != yaml.SequenceNode {
			return d.errf(n, "%s: want a list, got %s", name(path), describe(n))
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			if err := d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		err := d.eachPair(n, path, func(k, val *yaml.Node) error {
			elem := reflect.New(v.Type().Elem()).Elem()
			if err := d.decode(val, elem, path+"."+k.Value); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k.Value), elem)
			return nil
		})
		if err != nil {
			return err
		}
		v.Set(m)
		return nil
	}
	return d.decodeScalar(n, v, path)
}

func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind != yaml.ScalarNode {
		return d.errf(n, "%s: want %s, got %s", name(path), typeName(v.Type()), describe(n))
	}
	if err := n.Decode(v.Addr().Interface()); err != nil {
		return d.errf(n, "%s: want %s, got %q", name(path), typeName(v.Type()), n.Value)
	}
	return nil
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) error {
	if isNull(n) {
		return nil
	}
	fields := map[string]reflect.Value{}
	collectFields(v, fields)
	if p, ok := fields["-pos"]; ok {
		p.Set(reflect.ValueOf(Pos{d.file, n.Line}))
	}
	return d.eachPair(n, path, func(k, val *yaml.Node) error {
		f, ok := fields[k.Value]
		if !ok || k.Value == "-pos" {
			return d.errf(k, "%s: unknown field %q (known: %s)", name(path), k.Value, knownFields(fields))
		}
		return d.decode(val, f, join(path, k.Value))
	})
}

// eachPair calls fn for each key and value of the mapping n, in file order,
// and refuses anything else or a key written twice (YAML would keep the last
// silently).
func (d *decoder) eachPair(n *yaml.Node, path string, fn func(k, val *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return d.errf(n, "%s: want a mapping, got %s", name(path), describe(n))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if line, dup := seen[k.Value]; dup {
			return d.errf(k, "%s: duplicate key %q (first at line %d)", name(path), k.Value, line)
		}
		seen[k.Value] = k.Line
		if err := fn(k, val); err != nil {
			return err
		}
	}
	return nil
}

// collectFields maps YAML keys to the struct's settable fields, flattening
// `yaml:",inline"` embeds; the Pos field is stored under "-pos".
func collectFields(v reflect.Value, out map[string]reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		switch {
		case f.Type == posType:
			out["-pos"] = v.Field(i)
		case tag == ",inline":
			collectFields(v.Field(i), out)
		case tag != "" && tag != "-":
			out[strings.Split(tag, ",")[0]] = v.Field(i)
		}
	}
}

func knownFields(fields map[string]reflect.Value) string {
	var names []string
	for k := range fields {
		if k != "-pos" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (dur *Duration) decodeYAML(d *decoder, n *yaml.Node, path string) error {
	if n.Kind != yaml.ScalarNode {
		return d.errf(n, "%s: want a duration like 30s, got %s", name(path), describe(n))
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return d.errf(n, "%s: bad duration %q (want e.g. 500ms, 30s, 2m)", name(path), n.Value)
	}
	if v < 0 {
		return d.errf(n, "%s: negative duration %q", name(path), n.Value)
	}
	*dur = Duration(v)
	return nil
}

func (t *Targets) decodeYAML(d *decoder, n *yaml.Node, path string) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		*t = Targets{n.Value}
		return nil
	}
	var names []string
	if err := d.decode(n, reflect.ValueOf(&names).Elem(), path); err != nil {
		return err
	}
	*t = names
	return nil
}

// decodeYAML reads a step: a mapping with an optional `name` and exactly one
// kind key. A scalar or list after the kind is shorthand: `stop: peer-1`
// and `kill: [a, b]` name the targets, `sleep: 2s` is the duration.
func (s *Step) decodeYAML(d *decoder, n *yaml.Node, path string) error {
	if n.Kind != yaml.MappingNode {
		return d.errf(n, "%s: want a step like `- stop: peer-1`, got %s", name(path), describe(n))
	}
	s.Pos = Pos{d.file, n.Line}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Value == "name" {
			if err := d.decodeScalar(val, reflect.ValueOf(&s.Name).Elem(), path+".name"); err != nil {
				return err
			}
			continue
		}
		newAction, ok := stepKinds[k.Value]
		if !ok {
			return d.errf(k, "%s: unknown step %q (known: name, %s)", name(path), k.Value, stepKindNames())
		}
		if s.Kind != "" {
			return d.errf(k, "%s: one step has two kinds, %q and %q; write two steps", name(path), s.Kind, k.Value)
		}
		s.Kind = k.Value
		s.Action = newAction()
		if err := d.decodeAction(val, s.Action, join(path, k.Value)); err != nil {
			return err
		}
	}
	if s.Kind == "" {
		return d.errf(n, "%s: step has no kind (one of %s)", name(path), stepKindNames())
	}
	return nil
}

func (d *decoder) decodeAction(n *yaml.Node, action any, path string) error {
	shorthand := n.Kind == yaml.SequenceNode || (n.Kind == yaml.ScalarNode && !isNull(n))
	if shorthand {
		switch a := action.(type) {
		case *Sleep:
			return a.For.decodeYAML(d, n, path)
		case interface{ targets() *Target }:
			return a.targets().Node.decodeYAML(d, n, path)
		}
	}
	return d.decode(n, reflect.ValueOf(action).Elem(), path)
}

func stepKindNames() string {
	var names []string
	for k := range stepKinds {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an unexpected YAML node"
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Uint, reflect.Uint64, reflect.Uint32:
		return "a non-negative integer"
	}
	return t.String()
}

func name(path string) string {
	if path == "" {
		return "scenario"
	}
	return path
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// errorList gathers validation errors so a user sees all of them at once.
type errorList []error

func (l *errorList) add(p Pos, format string, args ...any) {
	*l = append(*l, &Error{p, fmt.Sprintf(format, args...)})
}

func (l errorList) err() error { return errors.Join(l...) }
