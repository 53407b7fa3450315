package miner

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/txbuilder"
	"github.com/devchain/devchain/node/wallet"
)

func open(t testing.TB, bits uint32) *blockchain.Chain {
	t.Helper()
	c, err := blockchain.Open(t.TempDir(), chain.DefaultParams().WithBits(bits))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestMineAndSpend(t *testing.T) {
	c := open(t, 8)
	k, _ := wallet.NewKey()
	k2, _ := wallet.NewKey()
	blocks, err := MineBlocks(context.Background(), c, k.PubKeyHash(), 3, nil)
	if err != nil || len(blocks) != 3 {
		t.Fatal(err)
	}
	if bal, _ := c.Balance(k.PubKeyHash()); bal != 3*c.Params().Subsidy {
		t.Fatalf("balance %d", bal)
	}
	tx, err := txbuilder.SendFromChain(c, k, nil, k2.PubKeyHash(), 70, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := MineBlocks(context.Background(), c, k.PubKeyHash(), 1, []*chain.Tx{tx}); err != nil {
		t.Fatal(err)
	}
	b1, _ := c.Balance(k.PubKeyHash())
	b2, _ := c.Balance(k2.PubKeyHash())
	if b1 != 4*50-70 || b2 != 70 {
		t.Fatalf("balances %d %d", b1, b2)
	}
	if _, err := txbuilder.SendFromChain(c, k2, nil, k.PubKeyHash(), 71, 0); !errors.Is(err, txbuilder.ErrInsufficientFunds) {
		t.Fatalf("overspend: %v", err)
	}
	if err := c.Verify(); err != nil {
		t.Fatal(err)
	}
}

// Solving at a difficulty that uses every core gives a valid nonce, and a
// cancelled context stops mining.
func TestSolveParallelAndCancel(t *testing.T) {
	h := chain.Header{Version: 1, Bits: parallelBits, Timestamp: 1}
	if err := Solve(context.Background(), &h); err != nil || !chain.CheckProofOfWork(h.Hash(), h.Bits) {
		t.Fatalf("parallel solve: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h = chain.Header{Version: 1, Bits: chain.MaxBits}
	if err := Solve(ctx, &h); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled solve: %v", err)
	}
}

// BenchmarkMint8Bits: mint (template, proof of work, validate, connect) at
// the devnet difficulty.
func BenchmarkMint8Bits(b *testing.B) {
	c := open(b, 8)
	var payTo [20]byte
	b.ResetTimer()
	cpu0 := cpuTime()
	if _, err := MineBlocks(context.Background(), c, payTo, b.N, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "blocks/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/block")
}

// cpuTime is the process's user+system CPU time: reported per op next to
// wall-clock rates, so figures taken on a busy machine can be read.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
