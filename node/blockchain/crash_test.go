package blockchain

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/devchain/devchain/node/chain"
)

const crashDirEnv = "CHAIND_CRASH_TEST_DIR"

// TestCrashChild is the child of TestCrashConsistency: it writes blocks
// into the data dir in a loop (extensions with spends, and two-block
// reorgs) until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("child of TestCrashConsistency only")
	}
	c, err := Open(dir, testParams())
	if err != nil {
		t.Fatal(err)
	}
	k, other := newKey(t), newKey(t)
	fmt.Println("ready")
	var last *chain.OutPoint
	for i := 0; ; i++ {
		if i%4 == 3 { // reorg: two blocks on the tip's parent beat the tip
			tip, err := c.Block(tipHash(c))
			if err != nil {
				t.Fatal(err)
			}
			s1 := build(t, c, tip.Header.PrevHash, other.PubKeyHash(), 0, nil, func(b *chain.Block) { b.Header.Timestamp++ })
			if _, err := c.ProcessBlock(s1); err != nil {
				t.Fatal(err)
			}
			if _, err := c.ProcessBlock(build(t, c, s1.Hash(), other.PubKeyHash(), 0, nil, nil)); err != nil {
				t.Fatal(err)
			}
			last = nil // our last output may be gone
			continue
		}
		var txs []*chain.Tx
		if last != nil {
			txs = append(txs, pay(t, k, []chain.OutPoint{*last}, chain.TxOut{Value: 20, PubKeyHash: other.PubKeyHash()},
				chain.TxOut{Value: 30, PubKeyHash: k.PubKeyHash()}))
		}
		b := extend(t, c, k.PubKeyHash(), 0, txs...)
		op := coinbaseOut(b)
		last = &op
	}
}

// TestCrashConsistency kills a child process that writes blocks at varying
// moments, reopens the data dir after each kill, and checks the database
// invariants (tip, height index, UTXO set against a rebuild from blocks).
func TestCrashConsistency(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	var lastHeight uint64
	deadline := time.Now().Add(6 * time.Second)
	rounds := 0
	for ; rounds < 8 && time.Now().Before(deadline); rounds++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if sc.Text() == "ready" {
					ready <- true
					break
				}
			}
			close(ready)
			for sc.Scan() {
			}
		}()
		select {
		case ok := <-ready:
			if !ok {
				cmd.Wait()
				t.Fatalf("round %d: child exited before writing", rounds)
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: child did not start", rounds)
		}
		// The kill moment is what varies between rounds (not a synchronisation).
		time.Sleep(time.Duration(5+rng.IntN(200)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()

		c, err := Open(dir, testParams())
		if err != nil {
			t.Fatalf("round %d: reopen: %v", rounds, err)
		}
		if err := c.Verify(); err != nil {
			c.Close()
			t.Fatalf("round %d: %v", rounds, err)
		}
		_, h, _ := c.Tip()
		c.Close()
		if h < lastHeight {
			t.Fatalf("round %d: height went from %d to %d", rounds, lastHeight, h)
		}
		lastHeight = h
	}
	if lastHeight == 0 {
		t.Fatal("children wrote no block")
	}
	t.Logf("%d rounds, final height %d", rounds, lastHeight)
}
