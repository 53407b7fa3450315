package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
)

func TestNormalizeArgs(t *testing.T) {
	in := []string{"send", "-from", "w1", "-to=w2", "-amount", "-5", "-h", "-x", "--datadir", "d", "-", "-mint", "--", "-alias"}
	want := []string{"send", "--from", "w1", "--to=w2", "--amount", "-5", "-h", "-x", "--datadir", "d", "-", "--mint", "--", "-alias"}
	if got := NormalizeArgs(in); !slices.Equal(got, want) {
		t.Fatalf("NormalizeArgs\n got %q\nwant %q", got, want)
	}
	for _, a := range []string{"-1.5", "-12", "-a1", "-log-level=debug"} {
		got := NormalizeArgs([]string{a})[0]
		if (a == "-log-level=debug") != (got == "-"+a) {
			t.Errorf("%q -> %q", a, got)
		}
	}
}

// run runs chaind in-process with args and returns stdout.
func run(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, &out, &errOut, func(k string) string { return env[k] })
	return out.String(), err
}

func mustRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	out, err := run(t, env, args...)
	if err != nil {
		t.Fatalf("chaind %s: %v", strings.Join(args, " "), err)
	}
	return out
}

var balanceRE = regexp.MustCompile(`^Balance of '(\w+)': (\d+)\n$`)

func balanceOf(t *testing.T, env map[string]string, dir, who string) string {
	t.Helper()
	m := balanceRE.FindStringSubmatch(mustRun(t, env, "getbalance", "-address", who, "--datadir", dir))
	if m == nil {
		t.Fatalf("getbalance %s: unexpected output", who)
	}
	return m[2]
}

// The tutorial's acceptance flow, with its single-dash flags.
func TestAcceptanceFlow(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "node")
	env := map[string]string{"CHAIND_DIFFICULTY": "8"}
	addr1 := strings.TrimSpace(mustRun(t, env, "createwallet", "-alias", "w1", "-datadir", dir))
	if !regexp.MustCompile(`^1[1-9A-HJ-NP-Za-km-z]{25,34}$`).MatchString(addr1) {
		t.Fatalf("createwallet printed %q", addr1)
	}
	mustRun(t, env, "createwallet", "--alias", "w2", "--datadir", dir)
	if st, err := os.Stat(filepath.Join(dir, "wallet.dat")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("wallet.dat: %v %v", st, err)
	}
	mint := mustRun(t, env, "mint", "-minter", "w1", "-blocks", "3", "-datadir", dir)
	if strings.Count(mint, "mined block") != 3 {
		t.Fatalf("mint printed %q", mint)
	}
	if b := balanceOf(t, env, dir, "w1"); b != "150" {
		t.Fatalf("w1 balance %s, want 3 × 50", b)
	}
	if b := balanceOf(t, env, dir, addr1); b != "150" {
		t.Fatalf("balance by address %s", b)
	}
	mustRun(t, env, "send", "-from", "w1", "-to", "w2", "-amount", "30", "-mint", "-datadir", dir)
	if b1, b2 := balanceOf(t, env, dir, "w1"), balanceOf(t, env, dir, "w2"); b1 != "170" || b2 != "30" {
		t.Fatalf("after send: w1 %s (150-30+50 reward), w2 %s", b1, b2)
	}
	mustRun(t, env, "send", "-from", "w2", "-to", "w1", "-amount", "5", "-mine", "-datadir", dir)
	pc := mustRun(t, env, "printchain", "-datadir", dir)
	if n := strings.Count(pc, "============ Block "); n != 6 {
		t.Fatalf("printchain shows %d blocks, want 6", n)
	}
	for _, h := range []string{"Height: 5\n", "Height: 0\n"} {
		if !strings.Contains(pc, h) {
			t.Fatalf("printchain lacks %q", h)
		}
	}
	if strings.Index(pc, "Height: 5") > strings.Index(pc, "Height: 0") {
		t.Fatal("printchain is not tip first")
	}
	ri := mustRun(t, env, "reindexutxo", "-datadir", dir)
	if !strings.Contains(ri, "unspent outputs") {
		t.Fatalf("reindexutxo printed %q", ri)
	}
	if b1, b2 := balanceOf(t, env, dir, "w1"), balanceOf(t, env, dir, "w2"); b1 != "175" || b2 != "75" {
		t.Fatalf("after reindex: w1 %s, w2 %s", b1, b2)
	}
	la := mustRun(t, env, "listaddresses", "-datadir", dir)
	if !strings.HasPrefix(la, "w1 "+addr1+"\n") || strings.Count(la, "\n") != 2 {
		t.Fatalf("listaddresses printed %q", la)
	}
	// Without an explicit difficulty the data dir keeps its own.
	if b := balanceOf(t, nil, dir, "w1"); b != "175" {
		t.Fatalf("adopting the data dir's difficulty: %s", b)
	}
}

func TestDataDirFromNodeID(t *testing.T) {
	e := &Env{Getenv: func(k string) string { return map[string]string{"NODE_ID": "3000"}[k] }}
	if d, err := e.DataDir(); err != nil || d != filepath.Join("data", "node-3000") {
		t.Fatalf("DataDir = %q, %v", d, err)
	}
	e.Getenv = func(string) string { return "" }
	if _, err := e.DataDir(); err == nil {
		t.Fatal("no NODE_ID and no --datadir accepted")
	}
	if _, err := run(t, nil, "listaddresses"); err == nil || !strings.Contains(err.Error(), "NODE_ID") {
		t.Fatalf("listaddresses without data dir: %v", err)
	}
}

// snapshot is what bad input must leave alone.
type snapshot struct {
	wallet  []byte
	balance string
	chain   string
}

func snap(t *testing.T, env map[string]string, dir string) snapshot {
	t.Helper()
	w, err := os.ReadFile(filepath.Join(dir, "wallet.dat"))
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{wallet: w, balance: balanceOf(t, env, dir, "w1"), chain: mustRun(t, env, "printchain", "--datadir", dir)}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CHAIND_DIFFICULTY": "8"}
	addr := strings.TrimSpace(mustRun(t, env, "createwallet", "-alias", "w1", "--datadir", dir))
	mustRun(t, env, "mint", "-minter", "w1", "--datadir", dir)
	before := snap(t, env, dir)
	badSum := addr[:len(addr)-1] + map[bool]string{true: "2", false: "3"}[addr[len(addr)-1] == '3']
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"getbalance", "-address", "nobody"}, "no alias"},
		{[]string{"getbalance", "-address", badSum}, "checksum"},
		{[]string{"send", "-from", "w1", "-to", badSum, "-amount", "1", "-mint"}, "checksum"},
		{[]string{"send", "-from", "nobody", "-to", "w1", "-amount", "1", "-mint"}, "no such wallet"},
		{[]string{"send", "-from", "w1", "-to", "w1", "-amount", "0", "-mint"}, "greater than 0"},
		{[]string{"send", "-from", "w1", "-to", "w1", "-amount", "-5", "-mint"}, "greater than 0"},
		{[]string{"send", "-from", "w1", "-to", "w1", "-amount", "51", "-mint"}, "insufficient funds"},
		{[]string{"send", "-from", "w1", "-to", "w1", "-amount", "1"}, "no node is running"},
		{[]string{"mint", "-minter", "nobody"}, "no alias"},
		{[]string{"mint", "-minter", "w1", "-blocks", "0"}, "-blocks 0"},
		{[]string{"mint", "-minter", "w1", "--difficulty", "9"}, "belongs to another network"},
		{[]string{"createwallet", "-alias", "w1"}, "already exists"},
		{[]string{"bogus"}, "unknown command"},
		{[]string{"getbalance", "-address", "w1", "--log-format", "xml"}, "log-format"},
	}
	for _, tc := range cases {
		args := append(tc.args, "--datadir", dir)
		_, err := run(t, env, args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("chaind %s: err %v, want %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
	after := snap(t, env, dir)
	if !bytes.Equal(before.wallet, after.wallet) || before.balance != after.balance || before.chain != after.chain {
		t.Fatal("bad input changed the data dir")
	}
	// A corrupt wallet file is an error and stays as it was.
	path := filepath.Join(dir, "wallet.dat")
	if err := os.WriteFile(path, []byte("\x0e\xff gob of an old ecdsa key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"getbalance", "-address", "w1"}, {"createwallet", "-alias", "w9"}, {"listaddresses"}} {
		if _, err := run(t, env, append(args, "--datadir", dir)...); err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Errorf("%v with a corrupt wallet: %v", args, err)
		}
	}
	if data, _ := os.ReadFile(path); string(data) != "\x0e\xff gob of an old ecdsa key" {
		t.Fatal("corrupt wallet file was rewritten")
	}
	// printchain does not need the wallet.
	if _, err := run(t, env, "printchain", "--datadir", dir); err != nil {
		t.Fatal(err)
	}
}

// A command against a data dir whose database a node holds says so at
// once and changes nothing.
func TestNodeRunning(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CHAIND_DIFFICULTY": "8"}
	mustRun(t, env, "createwallet", "-alias", "w1", "--datadir", dir)
	c, err := blockchain.Open(dir, chain.DefaultParams().WithBits(8))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, args := range [][]string{{"getbalance", "-address", "w1"}, {"mint", "-minter", "w1"}, {"reindexutxo"}, {"printchain"}} {
		start := time.Now()
		_, err := run(t, env, append(args, "--datadir", dir)...)
		if !errors.Is(err, ErrNodeRunning) || !strings.Contains(err.Error(), "node is running on "+dir) {
			t.Errorf("%v: %v", args, err)
		}
		if time.Since(start) > 10*time.Second {
			t.Errorf("%v took %v", args, time.Since(start))
		}
	}
	if _, h, _ := c.Tip(); h != 0 {
		t.Fatalf("height %d", h)
	}
}
