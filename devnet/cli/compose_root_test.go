package cli

import (
	"os"
	"testing"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/scenario"
)

// The repository's docker-compose.yml is `devnet compose -f configs/default.yaml`
// run at the root; regenerate it with `make compose` when this fails.
func TestRootComposeFileIsRendered(t *testing.T) {
	cfg, err := scenario.Load("../../configs/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	net, err := cfg.Spec()
	if err != nil {
		t.Fatal(err)
	}
	want, err := compose.Render(net, compose.Options{Source: "configs/default.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("docker-compose.yml differs from `devnet compose -f configs/default.yaml`; run `make compose`")
	}
}
