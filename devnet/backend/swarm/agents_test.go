package swarm

import (
	"strings"
	"testing"

	"github.com/moby/moby/api/types/swarm"
)

func TestImageHint(t *testing.T) {
	n := swarm.Node{ID: "abc123", Description: swarm.NodeDescription{Hostname: "box2"}, Status: swarm.NodeStatus{Addr: "192.0.2.7"}}
	hint := imageHint("No such image: sha256:0123", n)
	for _, want := range []string{"box2", "abc123", "192.0.2.7", "docker save devchain/chaind:latest devchain/agent:latest | ssh 192.0.2.7 docker load"} {
		if !strings.Contains(hint, want) {
			t.Errorf("hint %q lacks %q", hint, want)
		}
	}
	if hint := imageHint("starting container failed: device or resource busy", n); hint != "" {
		t.Errorf("a failure that is not a missing image got a hint: %q", hint)
	}
}
