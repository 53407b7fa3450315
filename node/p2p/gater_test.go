package p2p

import (
	"fmt"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

type connAddrs struct{ remote ma.Multiaddr }

func (c connAddrs) LocalMultiaddr() ma.Multiaddr  { return ma.StringCast("/ip4/10.0.0.1/tcp/4001") }
func (c connAddrs) RemoteMultiaddr() ma.Multiaddr { return c.remote }

// One IP brings at most maxNewIDsPerIP new identities inbound per minute,
// so a ban (per peer ID) is not undone by a fresh key; identities already
// seen, other IPs, outbound connections and loopback are not limited.
func TestGaterLimitsNewIdentitiesPerIP(t *testing.T) {
	g := NewGater()
	now := time.Unix(1_000_000, 0)
	g.now = func() time.Time { return now }
	from := func(ip string) connAddrs { return connAddrs{ma.StringCast("/ip4/" + ip + "/tcp/5000")} }
	id := func(i int) peer.ID { return peer.ID(fmt.Sprintf("peer-%d", i)) }

	admitted := 0
	for i := range 3 * maxNewIDsPerIP {
		if g.InterceptSecured(network.DirInbound, id(i), from("192.0.2.7")) {
			admitted++
		}
	}
	t.Logf("%d of %d fresh identities from one IP admitted within a minute (limit %d)", admitted, 3*maxNewIDsPerIP, maxNewIDsPerIP)
	if admitted != maxNewIDsPerIP {
		t.Fatalf("%d new identities admitted from one IP, want %d", admitted, maxNewIDsPerIP)
	}
	if !g.InterceptSecured(network.DirInbound, id(0), from("192.0.2.7")) {
		t.Error("an identity already seen from the IP was refused")
	}
	if !g.InterceptSecured(network.DirInbound, id(100), from("192.0.2.8")) {
		t.Error("another IP was refused")
	}
	if !g.InterceptSecured(network.DirOutbound, id(101), from("192.0.2.7")) {
		t.Error("an outbound connection was refused")
	}
	for i := range 200 {
		if !g.InterceptSecured(network.DirInbound, id(1000+i), from("127.0.0.1")) {
			t.Fatalf("loopback identity %d refused", i)
		}
	}
	now = now.Add(newIDWindow)
	if !g.InterceptSecured(network.DirInbound, id(200), from("192.0.2.7")) {
		t.Error("a new identity was refused a minute later")
	}
	g.Ban(id(200), time.Hour)
	if g.InterceptSecured(network.DirInbound, id(200), from("192.0.2.7")) {
		t.Error("a banned identity was let in")
	}
}
