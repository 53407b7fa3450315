package blockchain

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/node/chain"
)

// A spend on the main chain is undone when a branch with more work wins,
// and redone when the first branch wins again.
func TestReorgUndoesAndRedoesSpend(t *testing.T) {
	c := openTest(t)
	alice, bob, carol := newKey(t), newKey(t), newKey(t)
	a1 := extend(t, c, alice.PubKeyHash(), 0)
	spend := pay(t, alice, []chain.OutPoint{coinbaseOut(a1)}, chain.TxOut{Value: 30, PubKeyHash: bob.PubKeyHash()},
		chain.TxOut{Value: 20, PubKeyHash: alice.PubKeyHash()})
	a2 := extend(t, c, carol.PubKeyHash(), 0, spend)
	if balance(t, c, bob) != 30 || balance(t, c, alice) != 20 {
		t.Fatalf("after spend: bob %d alice %d", balance(t, c, bob), balance(t, c, alice))
	}
	var events []Event
	c.Subscribe(func(e Event) { events = append(events, e) })

	// Branch B from a1: b2 (side chain, equal work), b3 (more work: reorg).
	b2 := build(t, c, a1.Hash(), carol.PubKeyHash(), 0, nil, nil)
	if res, err := c.ProcessBlock(b2); err != nil || res.Status != SideChain {
		t.Fatalf("b2: %+v %v", res, err)
	}
	b3 := build(t, c, b2.Hash(), carol.PubKeyHash(), 0, nil, nil)
	res, err := c.ProcessBlock(b3)
	if err != nil || res.Status != Connected || !res.Reorg || res.Connected != 2 {
		t.Fatalf("b3: %+v %v", res, err)
	}
	if tipHash(c) != b3.Hash() || balance(t, c, bob) != 0 || balance(t, c, alice) != 50 {
		t.Fatalf("after reorg: bob %d alice %d", balance(t, c, bob), balance(t, c, alice))
	}
	if len(events) != 1 || len(events[0].Disconnected) != 1 || events[0].Disconnected[0].Hash() != a2.Hash() ||
		len(events[0].Connected) != 2 || events[0].Connected[0].Hash() != b2.Hash() {
		t.Fatalf("reorg event %+v", events)
	}
	mustVerify(t, c)

	// Branch A grows back past B: the spend is redone.
	a3 := build(t, c, a2.Hash(), carol.PubKeyHash(), 0, nil, nil)
	if res, err := c.ProcessBlock(a3); err != nil || res.Status != SideChain {
		t.Fatalf("a3: %+v %v", res, err)
	}
	a4 := build(t, c, a3.Hash(), carol.PubKeyHash(), 0, nil, nil)
	if res, err := c.ProcessBlock(a4); err != nil || !res.Reorg {
		t.Fatalf("a4: %+v %v", res, err)
	}
	if tipHash(c) != a4.Hash() || balance(t, c, bob) != 30 || balance(t, c, alice) != 20 {
		t.Fatalf("after reorg back: bob %d alice %d", balance(t, c, bob), balance(t, c, alice))
	}
	if got := c.HashesAfter([]chain.Hash{b3.Hash(), a1.Hash()}, 10); len(got) != 3 || got[0] != a2.Hash() {
		t.Fatalf("HashesAfter: %v", got)
	}
	mustVerify(t, c)

	// Reopening gives the same tip and set.
	dir := c.DataDir()
	want := utxoSet(t, c)
	c.Close()
	c2, err := Open(dir, testParams())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if tipHash(c2) != a4.Hash() || len(utxoSet(t, c2)) != len(want) {
		t.Fatal("reopened chain differs")
	}
	mustVerify(t, c2)
}

// A heavier branch with an invalid block is refused and the chain returns
// to the best valid branch.
func TestReorgToInvalidBranchFallsBack(t *testing.T) {
	c := openTest(t)
	alice, eve := newKey(t), newKey(t)
	a1 := extend(t, c, alice.PubKeyHash(), 0)
	a2 := extend(t, c, alice.PubKeyHash(), 0)
	b2 := build(t, c, a1.Hash(), eve.PubKeyHash(), 0, nil, nil)
	// b3 steals alice's coinbase: well formed, but its key does not match.
	theft := pay(t, eve, []chain.OutPoint{coinbaseOut(a1)}, chain.TxOut{Value: 50, PubKeyHash: eve.PubKeyHash()})
	if _, err := c.ProcessBlock(b2); err != nil {
		t.Fatal(err)
	}
	b3 := build(t, c, b2.Hash(), eve.PubKeyHash(), 0, []*chain.Tx{theft}, nil)
	_, err := c.ProcessBlock(b3)
	if !errors.Is(err, ErrInvalid) || chain.RuleOf(err) != chain.RuleKeyMismatch {
		t.Fatalf("b3: %v", err)
	}
	if tipHash(c) != a2.Hash() {
		t.Fatalf("tip %s, want a2 %s", tipHash(c), a2.Hash())
	}
	// A child of the invalid block is refused too.
	b4 := build(t, c, b3.Hash(), eve.PubKeyHash(), 0, nil, nil)
	if _, err := c.ProcessBlock(b4); !errors.Is(err, ErrInvalid) {
		t.Fatalf("child of invalid: %v", err)
	}
	mustVerify(t, c)
}

func TestReindexEqualsIncremental(t *testing.T) {
	c := openTest(t)
	k, k2 := newKey(t), newKey(t)
	var outs []chain.OutPoint
	for i := 0; i < 5; i++ {
		outs = append(outs, coinbaseOut(extend(t, c, k.PubKeyHash(), 0)))
	}
	tx := pay(t, k, outs[:3], chain.TxOut{Value: 70, PubKeyHash: k2.PubKeyHash()}, chain.TxOut{Value: 70, PubKeyHash: k.PubKeyHash()})
	child := pay(t, k2, []chain.OutPoint{{TxID: tx.ID(), Index: 0}}, chain.TxOut{Value: 60, PubKeyHash: k.PubKeyHash()})
	extend(t, c, k.PubKeyHash(), 10, tx, child) // child spends tx's output in the same block
	before := utxoSet(t, c)
	bal := balance(t, c, k)
	n, err := c.Reindex()
	if err != nil {
		t.Fatal(err)
	}
	after := utxoSet(t, c)
	if n != len(before) || len(after) != len(before) {
		t.Fatalf("reindex count %d, set %d, before %d", n, len(after), len(before))
	}
	for op, out := range before {
		if after[op] != out {
			t.Fatalf("%s differs after reindex", op)
		}
	}
	if balance(t, c, k) != bal {
		t.Fatal("balance changed")
	}
	mustVerify(t, c)
}

func TestOtherNetworkAndLock(t *testing.T) {
	dir := t.TempDir()
	c, err := Open(dir, testParams())
	if err != nil {
		t.Fatal(err)
	}
	// A second open of a held data dir fails at once.
	start := time.Now()
	_, err = Open(dir, testParams())
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("second open hung")
	}
	c.Close()
	_, err = Open(dir, testParams().WithBits(testBits+1))
	if !errors.Is(err, ErrOtherNetwork) || !strings.Contains(err.Error(), "data dir "+dir+" belongs to another network") {
		t.Fatalf("other difficulty: %v", err)
	}
	c, err = OpenAdopting(dir, chain.DefaultParams())
	if err != nil {
		t.Fatalf("adopting: %v", err)
	}
	if c.Params().Bits != testBits {
		t.Fatalf("adopted bits %d", c.Params().Bits)
	}
	c.Close()
	if _, err := os.Stat(filepath.Join(dir, "chain")); err != nil {
		t.Fatal(err)
	}
}

func TestLocator(t *testing.T) {
	c := openTest(t)
	k := newKey(t)
	for i := 0; i < 40; i++ {
		extend(t, c, k.PubKeyHash(), 0)
	}
	loc := c.Locator()
	if loc[0] != tipHash(c) || loc[len(loc)-1] != c.Genesis() || len(loc) > 20 {
		t.Fatalf("locator of %d", len(loc))
	}
	h10, _ := c.HashAt(10)
	got := c.HashesAfter([]chain.Hash{{1}, h10}, 5)
	h11, _ := c.HashAt(11)
	if len(got) != 5 || got[0] != h11 {
		t.Fatalf("HashesAfter %v", got)
	}
	if got := c.HashesAfter(nil, 1000); len(got) != 40 {
		t.Fatalf("HashesAfter(nil) gave %d", len(got))
	}
}

func TestCheckTx(t *testing.T) {
	c := openTest(t)
	alice, bob := newKey(t), newKey(t)
	a1 := extend(t, c, alice.PubKeyHash(), 0)
	tx := pay(t, alice, []chain.OutPoint{coinbaseOut(a1)}, chain.TxOut{Value: 45, PubKeyHash: bob.PubKeyHash()})
	if fee, err := c.CheckTx(tx, nil); err != nil || fee != 5 {
		t.Fatalf("CheckTx = %d, %v", fee, err)
	}
	theft := pay(t, bob, []chain.OutPoint{coinbaseOut(a1)}, chain.TxOut{Value: 45, PubKeyHash: bob.PubKeyHash()})
	if _, err := c.CheckTx(theft, nil); chain.RuleOf(err) != chain.RuleKeyMismatch {
		t.Fatalf("theft: %v", err)
	}
	// Template takes the valid one, leaves out the theft, and pays the fee.
	b, err := c.Template(alice.PubKeyHash(), []*chain.Tx{theft, tx})
	if err != nil || len(b.Txs) != 2 || b.Txs[0].Outputs[0].Value != c.Params().Subsidy+5 {
		t.Fatalf("template %v %v", b, err)
	}
}
