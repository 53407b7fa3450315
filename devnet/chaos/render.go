package chaos

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"
)

// Render writes the scenario a chaos run runs: base as written (its
// network, nodes and its own steps first, its chaos section left out, so
// the file is an ordinary scenario), then steps. The head comment names
// the seed and how to replay it.
func Render(base []byte, steps []Step, seed uint64, baseFile string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(base, &doc); err != nil {
		return nil, fmt.Errorf("chaos: %s: %w", baseFile, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("chaos: %s: not a scenario mapping", baseFile)
	}
	root := doc.Content[0]
	var seq *yaml.Node
	kept := root.Content[:0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "chaos":
			continue
		case "steps":
			if v.Kind != yaml.SequenceNode { // `steps:` with nothing after it
				v = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			}
			seq = v
		}
		kept = append(kept, k, v)
	}
	root.Content = kept
	if seq == nil {
		seq = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "steps"}, seq)
	}
	for _, s := range steps {
		var n yaml.Node
		if err := n.Encode(s); err != nil {
			return nil, err
		}
		seq.Content = append(seq.Content, &n)
	}
	doc.HeadComment = fmt.Sprintf("devnet chaos schedule of %s, seed %d.\nReplay: devnet run -f THIS_FILE", baseFile, seed)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
