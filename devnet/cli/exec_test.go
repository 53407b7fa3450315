package cli

import (
	"strings"
	"testing"
)

// `devnet exec NODE -- CMD` on a running node goes through the node's
// control API, in every runtime available here: the chaind in a container
// must find its own node's API as the one on the host does.
func TestExecOnRunningNode(t *testing.T) {
	onEveryRuntime(t, "exec", func(t *testing.T, runtime, name, state string) {
		f := writeScenario(t, "name: "+name+"\nnodes:\n  - name: a\n    wallets: [w1]\n")
		if out, err := runDevnet(t, state, "up", "-f", f, "--runtime", runtime, "--chaind", realChaind); err != nil {
			t.Fatalf("up: %v\n%s", err, out)
		}
		exec := func(args ...string) string {
			t.Helper()
			out, err := runDevnet(t, state, append([]string{"exec", "a", "--"}, args...)...)
			if err != nil {
				t.Fatalf("exec %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return out
		}
		if out := exec("createwallet", "-alias", "w2"); !strings.HasPrefix(out, "1") {
			t.Errorf("createwallet printed %q, want an address", out)
		}
		if out := exec("listaddresses"); !strings.Contains(out, "w1 ") || !strings.Contains(out, "w2 ") {
			t.Errorf("listaddresses: %q", out)
		}
		exec("mint", "-minter", "w1", "-blocks", "2")
		if out := exec("getbalance", "-address", "w1"); !strings.HasSuffix(strings.TrimSpace(out), ": 100") {
			t.Errorf("getbalance after 2 blocks: %q", out)
		}
		exec("send", "-from", "w1", "-to", "w2", "-amount", "30", "-mint")
		if out := exec("getbalance", "-address", "w2"); !strings.HasSuffix(strings.TrimSpace(out), ": 30") {
			t.Errorf("getbalance of the payee: %q", out)
		}
		if out := exec("printchain"); strings.Count(out, "Height: ") != 4 {
			t.Errorf("printchain shows %d blocks, want 4 (genesis, 2 mined, 1 with the payment):\n%s", strings.Count(out, "Height: "), out)
		}
	})
}
