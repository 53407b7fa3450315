package controlapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devchain/devchain/node/chain"
)

type fakeBackend struct {
	deny  []string
	links Links
	sends atomic.Int32 // Send calls: payments that reached the node
}

func (f *fakeBackend) Status() Status { return Status{Role: "node", Height: 3, ConnectedVia: "none"} }
func (f *fakeBackend) Peers() []Peer  { return []Peer{{PeerID: "p1", Direction: "inbound"}} }
func (f *fakeBackend) Block(h chain.Hash) (*chain.Block, error) {
	return nil, fmt.Errorf("%w: block %s", ErrNotFound, h)
}
func (f *fakeBackend) BlockAt(uint64) (*chain.Block, error) {
	return chain.GenesisBlock(chain.DefaultParams().WithBits(8)), nil
}
func (f *fakeBackend) Balance(a string) (Balance, error) {
	return Balance{Address: a, Balance: 150}, nil
}
func (f *fakeBackend) Wallets() ([]Wallet, error) { return nil, nil }
func (f *fakeBackend) CreateWallet(alias string) (Wallet, error) {
	return Wallet{Alias: alias, Address: "addr"}, nil
}
func (f *fakeBackend) Send(_ context.Context, r SendRequest) (*chain.Tx, error) {
	f.sends.Add(1)
	return nil, chain.Invalid(chain.RuleInsufficient, "%s has too little", r.From)
}
func (f *fakeBackend) Mint(_ context.Context, r MintRequest) (MintReply, error) {
	return MintReply{Blocks: make([]string, r.Blocks), Height: uint64(r.Blocks)}, nil
}
func (f *fakeBackend) Gate(deny []string) ([]string, error)     { f.deny = deny; return deny, nil }
func (f *fakeBackend) CheckUTXOs() (UTXOCheck, error)           { return UTXOCheck{Height: 3}, nil }
func (f *fakeBackend) ConnectedAt(chain.Hash) (time.Time, bool) { return time.Unix(1, 0), true }
func (f *fakeBackend) SubmitTx(tx *chain.Tx) error {
	f.sends.Add(1)
	return &Refused{Reason: "mempool-full", Err: errors.New("mempool full")}
}
func (f *fakeBackend) SetLinks(l Links) (Links, error) { f.links = l; return l, nil }
func (f *fakeBackend) Metrics() Metrics                { return Metrics{Height: 3, Peers: 1, Rejects: 2} }
func (f *fakeBackend) Events(context.Context, uint64, time.Duration) EventsReply {
	return EventsReply{Events: []Event{{Seq: 1, Kind: EventMined, Height: 3}}, Last: 1}
}

func TestRoutes(t *testing.T) {
	b := &fakeBackend{}
	dir := t.TempDir()
	srv, err := Listen("127.0.0.1:0", b, Auth{DataDir: dir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	token, err := ReadCookie(dir)
	if err != nil || token == "" {
		t.Fatalf("cookie: %q, %v", token, err)
	}
	c := NewClient(srv.Addr()).WithToken(token)
	ctx := context.Background()

	if err := c.Healthz(ctx); err != nil {
		t.Fatalf("healthz: %v", err)
	}
	if s, err := c.Status(ctx); err != nil || s.Height != 3 || s.Role != "node" {
		t.Fatalf("status = %+v, %v", s, err)
	}
	if p, err := c.Peers(ctx); err != nil || len(p) != 1 || p[0].Direction != "inbound" {
		t.Fatalf("peers = %+v, %v", p, err)
	}
	var rerr *Error
	if _, err := c.Block(ctx, strings.Repeat("00", 32)); !errors.As(err, &rerr) || rerr.Status != http.StatusNotFound {
		t.Fatalf("unknown block: err = %v, want 404", err)
	}
	if _, err := c.Block(ctx, "zz"); !errors.As(err, &rerr) || rerr.Status != http.StatusBadRequest {
		t.Fatalf("bad hash: err = %v, want 400", err)
	}
	g := chain.GenesisBlock(chain.DefaultParams().WithBits(8))
	if blk, err := c.BlockAt(ctx, 0); err != nil || blk.Hash != g.Hash().String() || len(blk.Txs) != 1 || !blk.Txs[0].Coinbase {
		t.Fatalf("block at 0 = %+v, %v", blk, err)
	}
	if bal, err := c.Balance(ctx, "w1"); err != nil || bal.Balance != 150 {
		t.Fatalf("balance = %+v, %v", bal, err)
	}
	if ws, err := c.Wallets(ctx); err != nil || ws == nil {
		t.Fatalf("wallets = %v, %v; want an empty list", ws, err)
	}
	if _, err := c.Send(ctx, "w1", "w2", 5); !errors.As(err, &rerr) || rerr.Status != http.StatusBadRequest || !strings.Contains(rerr.Message, "too little") {
		t.Fatalf("invalid send: err = %v, want 400 naming the problem", err)
	}
	if m, err := c.Mint(ctx, "w1", 2); err != nil || m.Height != 2 {
		t.Fatalf("mint = %+v, %v", m, err)
	}
	if u, err := c.CheckUTXOs(ctx); err != nil || u.Height != 3 {
		t.Errorf("utxo check: %+v %v", u, err)
	}
	tx := &chain.Tx{Version: chain.TxVersion, Inputs: []chain.TxIn{{Prev: chain.OutPoint{TxID: chain.Hash{1}}}}, Outputs: []chain.TxOut{{Value: 1}}}
	var rpcErr *Error
	if _, err := c.SubmitTx(ctx, tx); !errors.As(err, &rpcErr) || rpcErr.Status != 400 || rpcErr.Reason != "mempool-full" {
		t.Errorf("raw tx refused by the node: %v, want a 400 with reason mempool-full", err)
	}
	if err := c.do(ctx, http.MethodPost, "/tx/raw", RawTx{Tx: "zz"}, nil); !errors.As(err, &rpcErr) || rpcErr.Status != 400 || !strings.Contains(rpcErr.Message, "not hex") {
		t.Errorf("raw tx not hex: %v", err)
	}
	if err := c.do(ctx, http.MethodPost, "/tx/raw", RawTx{Tx: "00"}, nil); !errors.As(err, &rpcErr) || rpcErr.Status != 400 || rpcErr.Reason != "encoding" {
		t.Errorf("raw tx that does not decode: %v, want a 400 with reason encoding", err)
	}
	if l, err := c.SetLinks(ctx, Links{Rules: []LinkRule{{Peer: "p1", Rule: "delay=5ms"}}}); err != nil || len(l.Rules) != 1 || b.links.Rules[0].Rule != "delay=5ms" {
		t.Errorf("links: %v %+v", err, l)
	}
	if d, err := c.Gate(ctx, []string{"x"}); err != nil || len(d) != 1 || len(b.deny) != 1 {
		t.Fatalf("gate = %v, %v", d, err)
	}
	resp, err := http.Get(c.Base() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"chaind_height 3", "chaind_peers 1", "chaind_rejects_total 2", "chaind_blocks_received_total 0", "chaind_txs_received_total 0"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestAddrFile(t *testing.T) {
	dir := t.TempDir()
	if a, err := ReadAddrFile(dir); a != "" || err != nil {
		t.Fatalf("no file: %q, %v", a, err)
	}
	if err := WriteAddrFile(dir, "127.0.0.1:5"); err != nil {
		t.Fatal(err)
	}
	if a, _ := ReadAddrFile(dir); a != "127.0.0.1:5" {
		t.Fatalf("read %q", a)
	}
	if RunningNode(dir) != "" {
		t.Fatal("a file naming a dead address counts as a running node")
	}
	if err := RemoveAddrFile(dir, "127.0.0.1:5"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir + "/" + AddrFile); !os.IsNotExist(err) {
		t.Fatalf("file still there: %v", err)
	}
}

func TestDialable(t *testing.T) {
	for in, want := range map[string]string{"0.0.0.0:8545": "127.0.0.1:8545", "[::]:1": "127.0.0.1:1", "[::1]:2": "[::1]:2", "10.0.0.2:3": "10.0.0.2:3"} {
		if got := Dialable(in); got != want {
			t.Errorf("Dialable(%s) = %s, want %s", in, got, want)
		}
	}
	if RSSBytes() == 0 {
		t.Error("RSSBytes() = 0 on Linux")
	}
}
