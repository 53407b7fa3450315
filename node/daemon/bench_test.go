package daemon

import (
	"testing"
	"time"
)

// timeToFirstPeer starts a node from cfg and returns how long it took from
// the call to Start until it completed a handshake with a peer.
func timeToFirstPeer(b *testing.B, cfg Config) time.Duration {
	start := time.Now()
	n, err := Start(cfg)
	if err != nil {
		b.Fatal(err)
	}
	deadline := start.Add(30 * time.Second)
	for n.Sync.PeerCount() == 0 {
		if time.Now().After(deadline) {
			b.Fatal("no peer within 30 s")
		}
		time.Sleep(time.Millisecond)
	}
	d := time.Since(start)
	b.StopTimer()
	if err := n.Close(); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	return d
}

// BenchmarkFirstPeer measures start → first peer on loopback through a
// bootstrap (target: at most 1 s) and from the peer DB (at most 300 ms).
func BenchmarkFirstPeer(b *testing.B) {
	b.Run("bootstrap", func(b *testing.B) {
		bs := startBootstrap(b)
		startNode(b, testConfig(b, "a", bs.Addrs()...))
		var total, worst time.Duration
		for range b.N {
			d := timeToFirstPeer(b, testConfig(b, "fresh", bs.Addrs()...))
			total += d
			worst = max(worst, d)
		}
		b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-peer")
		b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms")
	})
	b.Run("peerdb", func(b *testing.B) {
		bs := startBootstrap(b)
		a := startNode(b, testConfig(b, "a", bs.Addrs()...))
		cfg := testConfig(b, "b", bs.Addrs()...)
		n := startNode(b, cfg)
		waitFor(b, 15*time.Second, "b to save a", func() bool { return saved(b, n, a) })
		n.Close()
		bs.Close()
		cfg.Bootstrap = nil
		var total, worst time.Duration
		for range b.N {
			d := timeToFirstPeer(b, cfg)
			total += d
			worst = max(worst, d)
		}
		b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-peer")
		b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms")
	})
}
