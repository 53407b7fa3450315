package blockchain

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/devchain/devchain/node/chain"
)

// chainOf builds n blocks with only a coinbase on top of genesis, without a
// database.
func chainOf(p chain.Params, n int, payTo [20]byte) []*chain.Block {
	g := chain.GenesisBlock(p)
	prev, ts := g.Hash(), g.Header.Timestamp
	out := make([]*chain.Block, n)
	for i := range out {
		h := uint64(i + 1)
		cb := chain.NewCoinbase(h, payTo, p.Subsidy, nil)
		b := &chain.Block{Header: chain.Header{Version: chain.BlockVersion, Height: h, Timestamp: ts + int64(h),
			PrevHash: prev, MerkleRoot: cb.ID(), Bits: p.Bits}, Txs: []*chain.Tx{cb}}
		chain.SolveHeader(&b.Header, 0, 1, nil)
		prev = b.Hash()
		out[i] = b
	}
	return out
}

// BenchmarkConnectOneTxBlocks: full validation and connection (one badger
// transaction each) of blocks holding one transaction.
func BenchmarkConnectOneTxBlocks(b *testing.B) {
	c := openTest(b)
	blocks := chainOf(c.Params(), b.N, [20]byte{1})
	b.ResetTimer()
	cpu0 := cpuTime()
	for _, blk := range blocks {
		if res, err := c.ProcessBlock(blk); err != nil || res.Status != Connected {
			b.Fatal(res.Status, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "blocks/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/block")
}

// signedTxs gives n one-input transactions signed by one key.
func signedTxs(b *testing.B, n int) []*chain.Tx {
	k := newKey(b)
	txs := make([]*chain.Tx, n)
	for i := range txs {
		txs[i] = pay(b, k, []chain.OutPoint{{TxID: chain.Hash{byte(i), byte(i >> 8), 1}, Index: uint32(i)}},
			chain.TxOut{Value: 1, PubKeyHash: k.PubKeyHash()})
	}
	return txs
}

// BenchmarkBlockSignatures100: signature checks of a block of 100 signed
// transactions, on every core; compare sigs/s with BenchmarkECDSAVerifyAllCores.
func BenchmarkBlockSignatures100(b *testing.B) {
	txs := signedTxs(b, 100)
	workers := runtime.GOMAXPROCS(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := verifyBlockSignatures(txs, len(txs), workers, new(atomic.Uint64)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(txs))/b.Elapsed().Seconds(), "sigs/s")
}

// BenchmarkECDSAVerifyAllCores: plain crypto/ecdsa verification on every
// core, the reference for BenchmarkBlockSignatures100.
func BenchmarkECDSAVerifyAllCores(b *testing.B) {
	txs := signedTxs(b, 1)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), txs[0].Inputs[0].PubKey)
	if err != nil {
		b.Fatal(err)
	}
	d := chain.SigHash(txs[0], 0)
	sig := txs[0].Inputs[0].Signature
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !ecdsa.VerifyASN1(pub, d[:], sig) {
				b.Error("does not verify")
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
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
