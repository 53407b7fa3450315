package cli

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/devchain/devchain/devnet/load"
)

// A short load in every runtime: every accepted payment is confirmed, each
// node verifies each payment's signature once (the signature cache), and
// the figures reach load.json and the step's JUnit properties.
func TestLoadStep(t *testing.T) {
	onEveryRuntime(t, "load", func(t *testing.T, runtime, name, state string) {
		art := filepath.Join(t.TempDir(), "artefacts")
		junit := filepath.Join(t.TempDir(), "junit.xml")
		f := writeScenario(t, fmt.Sprintf(`name: %s
nodes:
`+steadyMiner+`  - name: peer
    count: 2
steps:
  - peers: {node: all, min: 2}
  - load: {wallets: 20, rate: 100, for: 5s, max_unconfirmed: 0}
  - converged: {within: 30s}
`, name))
		mustRun(t, state, runtime, f, art, "--junit", junit)
		raw, err := os.ReadFile(filepath.Join(art, "load.json"))
		if err != nil {
			t.Fatal(err)
		}
		var reps []load.Report
		if err := json.Unmarshal(raw, &reps); err != nil || len(reps) != 1 {
			t.Fatalf("load.json: %v, %d reports", err, len(reps))
		}
		rep := reps[0]
		t.Logf("%s: submitted %d accepted %d confirmed %d, %.1f tx/s confirmed, p99 %.2f s", runtime, rep.Submitted, rep.Accepted, rep.Confirmed, rep.ConfirmedTPS, rep.LatencyP99)
		if rep.Accepted < 400 || rep.Confirmed != rep.Accepted {
			t.Errorf("accepted %d (want about 500), confirmed %d", rep.Accepted, rep.Confirmed)
		}
		for node, n := range rep.Nodes {
			if per := float64(n.SigVerifications) / float64(rep.Confirmed); per < 0.99 || per > 1.2 {
				t.Errorf("%s verified %d signatures for %d payments (%.2f each), want about 1", node, n.SigVerifications, rep.Confirmed, per)
			}
		}
		props := junitProperties(t, junit)
		if got, _ := strconv.Atoi(props["load.confirmed"]); got != rep.Confirmed {
			t.Errorf("JUnit load.confirmed %q, load.json %d", props["load.confirmed"], rep.Confirmed)
		}
		if _, ok := props["load.latency_p99_s"]; !ok {
			t.Errorf("JUnit properties %v lack load.latency_p99_s", props)
		}
	})
}

// steadyMiner is a scenario's node list entry for a miner that mines a
// block every 500 ms and only then, as loads want.
const steadyMiner = `  - name: miner
    minter: w
    mine_interval: 500ms
    mine_interval_only: true
`

// junitProperties reads the properties of the JUnit file's testcases.
func junitProperties(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Cases []struct {
				Props []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:"value,attr"`
				} `xml:"properties>property"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			for _, p := range c.Props {
				out[p.Name] = p.Value
			}
		}
	}
	return out
}

// `devnet load` on a devnet that is up, as fast as the nodes accept: the
// JSON report is load.json's, and every accepted payment is confirmed.
func TestLoadCommand(t *testing.T) {
	state := t.TempDir()
	f := writeScenario(t, `name: loadcmd
nodes:
`+steadyMiner+`  - name: peer
`)
	if out, err := runDevnet(t, state, "up", "-f", f, "--runtime", "process", "--chaind", realChaind); err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = runDevnet(t, state, "down", "loadcmd") })
	if _, err := runDevnet(t, state, "load", "--rate", "fast"); err == nil || !strings.Contains(err.Error(), `--rate "fast": want payments per second`) {
		t.Errorf("a bad --rate: %v", err)
	}
	out, err := runDevnet(t, state, "load", "--rate", "max", "--for", "3s", "--wallets", "10", "-o", "json")
	if err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	var rep load.Report
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	t.Logf("as fast as accepted: accepted %d, %.0f tx/s, confirmed %d, rejected %v", rep.Accepted, rep.AcceptedTPS, rep.Confirmed, rep.Rejected)
	if rep.Accepted == 0 || rep.Confirmed != rep.Accepted || rep.Rate != 0 || len(rep.Nodes) != 2 {
		t.Errorf("report %+v", rep)
	}
}

// The throughput assertion over the blocks of a load holds at a rate below
// the load's and fails, with the measured rate, above it.
func TestThroughputAssertion(t *testing.T) {
	state := t.TempDir()
	f := writeScenario(t, `name: tput
nodes:
`+steadyMiner+`  - name: peer
steps:
  - load: {wallets: 10, rate: 100, for: 4s, confirm_within: 20s}
  - throughput: {min_tps: 50, for: 3s}
  - throughput: {min_tps: 1000, for: 3s, within: 1s}
`)
	out, err := runDevnet(t, state, "run", "-f", f, "--runtime", "process", "--chaind", realChaind, "--artifacts", t.TempDir())
	if err == nil {
		t.Fatalf("the run passed; want the second throughput step to fail:\n%s", out)
	}
	if !strings.Contains(out, "ok   throughput >= 50 tx/s over 3s") {
		t.Errorf("the first throughput step did not pass:\n%s", out)
	}
	if !strings.Contains(err.Error(), "step 3") || !strings.Contains(err.Error(), "want ≥ 1000") {
		t.Errorf("error %q: want step 3 failing with its measured rate", err)
	}
}
