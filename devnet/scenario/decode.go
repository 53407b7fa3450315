package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	defer f.Close()
	// One byte more than the limit is enough to tell a file that is too
	// large, however large it is.
	raw, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return Parse(path, raw)
}

// Parse is Load on bytes already read; file names the source in errors.
func Parse(file string, raw []byte) (*Config, error) {
	if len(raw) > MaxFileSize {
		// The line where the file crosses the limit: the last one it may have.
		line := bytes.Count(raw[:MaxFileSize], []byte("\n")) + 1
		return nil, &Error{Pos{file, line}, fmt.Sprintf("scenario above %d bytes (1 MiB), the most a scenario file may have", MaxFileSize)}
	}
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
	// yaml.v3 builds the node tree without expanding aliases (an alias node
	// points at its anchor's node), so parsing costs what the file's size
	// allows; the walk below expands them and counts what it walks.
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, syntaxError(file, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &Error{Pos{file, 1}, "empty scenario"}
	}
	// A second document would be ignored silently, and with it whatever the
	// author meant by it.
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		return nil, syntaxError(file, err)
	default:
		return nil, &Error{Pos{file, next.Line}, "a second YAML document: a scenario is one document (remove the '---' or split the file)"}
	}
	cfg := &Config{Pos: Pos{File: file, Line: 1}}
	d := &decoder{file: file}
	if err := d.decode(doc.Content[0], reflect.ValueOf(cfg).Elem(), ""); err != nil {
		return nil, err
	}
	return cfg, nil
}

// syntaxError turns yaml.v3's "yaml: line N: what" into "file:N: what",
// and its few errors without a line ("yaml: control characters are not
// allowed") into "file: what".
func syntaxError(file string, err error) error {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
		return fmt.Errorf("%s:%s", file, rest)
	}
	return fmt.Errorf("%s: %s", file, strings.TrimPrefix(msg, "yaml: "))
}

// decoder is a strict, position-keeping walk of a yaml.Node tree into Go
// values. yaml.v3's own Node.Decode ignores unknown keys and loses the file
// name, so structure is walked here and only scalars go through yaml.v3.
type decoder struct {
	file string
	// nodes counts the YAML values walked so far, an alias's values again
	// at each use; the walk stops at MaxYAMLNodes.
	nodes int
}

// enter counts n as walked and returns the node it stands for: the
// anchor's node when n is an alias.
func (d *decoder) enter(n *yaml.Node) (*yaml.Node, error) {
	d.nodes++
	if d.nodes > MaxYAMLNodes {
		return nil, d.errf(n, "more than %d YAML values with aliases expanded, the most a scenario may have", MaxYAMLNodes)
	}
	if n.Kind == yaml.AliasNode {
		return n.Alias, nil
	}
	return n, nil
}

// nodeDecoder is implemented by types with their own YAML shape.
type nodeDecoder interface {
	decodeYAML(d *decoder, n *yaml.Node, path string) error
}

var posType = reflect.TypeOf(Pos{})

func (d *decoder) errf(n *yaml.Node, format string, args ...any) error {
	return &Error{Pos{d.file, n.Line}, fmt.Sprintf(format, args...)}
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) error {
	n, err := d.enter(n)
	if err != nil {
		return err
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
	if v.Kind() == reflect.String && n.Tag == "!!str" {
		// What Node.Decode would do, without the decoder it sets up for
		// every value: most values of a scenario are names.
		v.SetString(n.Value)
		return nil
	}
	if err := n.Decode(v.Addr().Interface()); err != nil {
		return d.errf(n, "%s: want %s, got %q", name(path), typeName(v.Type()), n.Value)
	}
	return nil
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) error {
	fields := map[string]reflect.Value{}
	collectFields(v, fields)
	// Even an empty entry (`nodes: [~]`) has a line its errors point at.
	if p, ok := fields["-pos"]; ok {
		p.Set(reflect.ValueOf(Pos{d.file, n.Line}))
	}
	if isNull(n) {
		return nil
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
		k, err := d.enter(k)
		if err != nil {
			return err
		}
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
	if v > MaxDuration {
		return d.errf(n, "%s: duration %q above %s, the longest a scenario may give", name(path), n.Value, MaxDuration)
	}
	*dur = Duration(v)
	return nil
}

func (t *Targets) decodeYAML(d *decoder, n *yaml.Node, path string) error {
	return d.oneOrMore(n, path, (*[]string)(t))
}

func (o *OneOrMore) decodeYAML(d *decoder, n *yaml.Node, path string) error {
	return d.oneOrMore(n, path, (*[]string)(o))
}

// oneOrMore reads a word or a list of words.
func (d *decoder) oneOrMore(n *yaml.Node, path string, out *[]string) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		*out = []string{n.Value}
		return nil
	}
	var words []string
	if err := d.decode(n, reflect.ValueOf(&words).Elem(), path); err != nil {
		return err
	}
	*out = words
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
		k, err := d.enter(k)
		if err != nil {
			return err
		}
		if k.Value == "name" {
			if val, err = d.enter(val); err != nil {
				return err
			}
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
	target := n
	if target.Kind == yaml.AliasNode {
		target = target.Alias
	}
	shorthand := target.Kind == yaml.SequenceNode || (target.Kind == yaml.ScalarNode && !isNull(target))
	if shorthand {
		n, err := d.enter(n)
		if err != nil {
			return err
		}
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

// errorList gathers validation errors so a user sees all of them at once,
// the first maxReported of them and how many more.
type errorList struct {
	errs []error
	more int
}

func (l *errorList) add(p Pos, format string, args ...any) {
	if len(l.errs) == maxReported {
		l.more++
		return
	}
	l.errs = append(l.errs, &Error{p, fmt.Sprintf(format, args...)})
}

func (l *errorList) any() bool { return len(l.errs) > 0 }

func (l *errorList) err() error {
	if l.more > 0 {
		return errors.Join(append(l.errs, fmt.Errorf("… and %d more errors", l.more))...)
	}
	return errors.Join(l.errs...)
}
