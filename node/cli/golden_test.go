package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/devchain/devchain/node/controlapi"
)

// result is what one chaind command gave: its stdout, and its error text
// ("" when it succeeded).
type result struct{ out, err string }

func (r result) String() string { return fmt.Sprintf("out %q, err %q", r.out, r.err) }

func runResult(t *testing.T, env map[string]string, dir string, args []string) result {
	t.Helper()
	out, err := run(t, env, append(slices.Clone(args), "--datadir", dir)...)
	r := result{out: out}
	if err != nil {
		r.err = err.Error()
	}
	return r
}

// tokenRE finds what differs between two data dirs that ran the same
// commands and names a thing: block and tx hashes, and addresses of keys
// made by createwallet. minedRE finds what differs and names nothing: the
// timestamps and nonces of blocks mined by each side.
var (
	tokenRE = regexp.MustCompile(`\b[0-9a-f]{64}\b|\b1[1-9A-HJ-NP-Za-km-z]{25,34}\b`)
	minedRE = regexp.MustCompile(`Timestamp: \S+|nonce \d+`)
)

// shape replaces each token of s that is not in keep by its rank of first
// appearance, so two outputs have one shape when they print the same lines
// with the same references between them (a hash printed twice stays the
// same placeholder twice). Timestamps and nonces become a fixed text: two
// blocks may share one by chance.
func shape(s string, keep ...string) string {
	s = minedRE.ReplaceAllStringFunc(s, func(m string) string { return strings.Fields(m)[0] + " _" })
	names := map[string]string{}
	return tokenRE.ReplaceAllStringFunc(s, func(tok string) string {
		if slices.Contains(keep, tok) {
			return tok
		}
		if _, ok := names[tok]; !ok {
			names[tok] = fmt.Sprintf("<%d>", len(names)+1)
		}
		return names[tok]
	})
}

// copyDir copies a data dir whose chain database is closed.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

// TestGoldenOnlineOffline runs every data-dir command once through a
// running node and once offline, and wants the same output from both.
//
// Commands that change the data dir run on two copies of one seed data dir
// (offline on one, through a node on the other), so both start from the
// same chain and wallets; what they create is new on each side (keys,
// blocks), so their outputs are compared by shape. Commands that only read
// then run on one data dir in one state, through the node and, once it is
// stopped, offline: those outputs must be equal byte for byte.
func TestGoldenOnlineOffline(t *testing.T) {
	env := map[string]string{"CHAIND_DIFFICULTY": "8"}
	root := t.TempDir()
	seed := filepath.Join(root, "seed")
	w1 := strings.TrimSpace(mustRun(t, env, "createwallet", "-alias", "w1", "--datadir", seed))
	w2 := strings.TrimSpace(mustRun(t, env, "createwallet", "-alias", "w2", "--datadir", seed))
	mustRun(t, env, "mint", "-minter", "w1", "--datadir", seed)
	off, on := filepath.Join(root, "offline"), filepath.Join(root, "online")
	copyDir(t, seed, off)
	copyDir(t, seed, on)

	// The same commands, in this order, on each side. Bad input is
	// refused before anything is written, so it does not make the two
	// sides' states differ.
	type step struct {
		args []string
		cmp  string // "bytes", "shape", or "differs" (checked below)
	}
	steps := []step{
		{[]string{"createwallet", "-alias", "w3"}, "shape"},
		{[]string{"createwallet"}, "shape"},
		{[]string{"listaddresses"}, "shape"},
		{[]string{"mint", "-minter", "w1", "-blocks", "2"}, "shape"},
		{[]string{"send", "-from", "w1", "-to", "w2", "-amount", "30", "-mint"}, "shape"},
		{[]string{"send", "-from", "w2", "-to", w1, "-amount", "5", "-mine"}, "shape"},
		{[]string{"getbalance", "-address", "w1"}, "bytes"},
		{[]string{"getbalance", "-address", w2}, "bytes"},
		{[]string{"printchain"}, "shape"},
		{[]string{"getbalance"}, "bytes"},
		{[]string{"mint", "-blocks", "1"}, "bytes"},
		{[]string{"mint", "-minter", "w1", "-blocks", "0"}, "bytes"},
		{[]string{"send", "-to", "w2", "-amount", "1", "-mint"}, "differs"},
		{[]string{"send", "-from", "w1", "-to", "w2", "-amount", "0", "-mint"}, "differs"},
		// Last: through the node it leaves a tx in the mempool.
		{[]string{"send", "-from", "w1", "-to", "w2", "-amount", "1"}, "differs"},
		{[]string{"reindexutxo"}, "differs"},
	}
	offline := make([]result, len(steps))
	for i, s := range steps {
		offline[i] = runResult(t, env, off, s.args)
	}
	_, stop := background(t, env, "startp2p", "-rendezvous", "cli-golden", "--listen-host", "127.0.0.1", "-port", "0", "--datadir", on)
	waitUntil(t, "the node's rpc.addr to answer", func() bool { return controlapi.RunningNode(on) != "" })
	online := make([]result, len(steps))
	for i, s := range steps {
		online[i] = runResult(t, env, on, s.args)
	}

	dir := func(r result, d string) result { // the data dir's path, where an error names it
		r.err = strings.ReplaceAll(r.err, d, "DIR")
		return r
	}
	for i, s := range steps {
		a, b := dir(offline[i], off), dir(online[i], on)
		name := strings.Join(s.args, " ")
		switch s.cmp {
		case "bytes":
			if a != b {
				t.Errorf("%s:\n offline %v\n  online %v", name, a, b)
			}
		case "shape":
			if a.err != "" || b.err != "" {
				t.Errorf("%s failed:\n offline %v\n  online %v", name, a, b)
			}
			if sa, sb := shape(a.out, w1, w2), shape(b.out, w1, w2); sa != sb {
				t.Errorf("%s: not one shape:\n offline %q\n  online %q", name, sa, sb)
			}
		}
	}
	// Where the two sides differ by design, each gives its own answer.
	differs := map[string][2]string{ // command: offline, online (error text or stdout)
		"send -to w2 -amount 1 -mint": {
			"err send: -from and -to are required",
			"err send: -from, -to and a positive -amount are required",
		},
		"send -from w1 -to w2 -amount 0 -mint": {
			"err send: -amount 0: must be greater than 0",
			"err send: -from, -to and a positive -amount are required",
		},
		// Relaying needs a node.
		"send -from w1 -to w2 -amount 1": {
			"err send: no node is running on DIR to relay the transaction; pass -mint to mine it into a block here",
			"out Success! tx <1> is in the node's mempool and relayed\n",
		},
		// Reindexing needs the chain database to itself.
		"reindexutxo": {
			"out Done! There are 8 unspent outputs in the UTXO set.\n",
			"err node is running on DIR (its chain database is locked); stop it or use its RPC",
		},
	}
	said := func(r result) string {
		if r.err != "" {
			return "err " + r.err
		}
		return "out " + shape(r.out)
	}
	for i, s := range steps {
		if s.cmp != "differs" {
			continue
		}
		name := strings.Join(s.args, " ")
		want, ok := differs[name]
		if !ok {
			t.Fatalf("%s: no expected answers", name)
		}
		if a, b := said(dir(offline[i], off)), said(dir(online[i], on)); a != want[0] || b != want[1] {
			t.Errorf("%s:\n offline %q, want %q\n  online %q, want %q", name, a, want[0], b, want[1])
		}
	}
	if _, err := run(t, env, "reindexutxo", "--datadir", on); !errors.Is(err, ErrNodeRunning) {
		t.Errorf("reindexutxo with a running node: %v, want ErrNodeRunning", err)
	}

	// One data dir in one state, read through the node and then offline.
	reads := [][]string{
		{"listaddresses"},
		{"getbalance", "-address", "w1"},
		{"getbalance", "-address", "w3"},
		{"getbalance", "-address", w2},
		{"printchain"},
	}
	through := make([]result, len(reads))
	for i, args := range reads {
		through[i] = runResult(t, env, on, args)
	}
	if err := stop(); err != nil {
		t.Fatalf("node exit: %v", err)
	}
	for i, args := range reads {
		r := runResult(t, env, on, args)
		if r.err != "" || r != through[i] {
			t.Errorf("%s on one data dir:\n offline %v\n  online %v", strings.Join(args, " "), r, through[i])
		}
	}
	if a, b := runResult(t, env, off, []string{"reindexutxo"}), runResult(t, env, on, []string{"reindexutxo"}); a.err != "" || a != b {
		t.Errorf("reindexutxo after the same commands:\n offline %v\n  online %v", a, b)
	}
}
