package controlapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/devchain/devchain/node/chain"
)

// Client calls a node's control API.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// NewClient returns a client for addr: "host:port" or a base URL.
func NewClient(addr string) *Client {
	base := addr
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	// Mint can take as long as the blocks do; callers bound it with ctx.
	return &Client{base: strings.TrimRight(base, "/"), http: &http.Client{}}
}

// WithToken is a client like c that sends token (Authorization: Bearer),
// which the routes that change something need.
func (c *Client) WithToken(token string) *Client {
	d := *c
	d.token = token
	return &d
}

// Base is the base URL the client calls.
func (c *Client) Base() string { return c.base }

// Error is a non-2xx answer.
type Error struct {
	Status  int
	Message string
	// Reason is why the node refused a transaction (errorReply.Reason);
	// "" for other errors.
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("rpc: %d: %s", e.Status, e.Message) }

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("rpc %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("rpc %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e errorReply
		if json.Unmarshal(raw, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(raw))
		}
		return &Error{Status: resp.StatusCode, Message: e.Error, Reason: e.Reason}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("rpc %s %s: answer: %w", method, path, err)
	}
	return nil
}

// Healthz succeeds when the node answers /healthz.
func (c *Client) Healthz(ctx context.Context) error {
	var h Health
	if err := c.do(ctx, http.MethodGet, "/healthz", nil, &h); err != nil {
		return err
	}
	if !h.OK {
		return fmt.Errorf("rpc /healthz: not ok")
	}
	return nil
}

// Status is GET /status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	return s, c.do(ctx, http.MethodGet, "/status", nil, &s)
}

// Events is GET /events: the node's events after Seq after, waiting up
// to wait (at most MaxEventsWait) for one.
func (c *Client) Events(ctx context.Context, after uint64, wait time.Duration) (EventsReply, error) {
	var r EventsReply
	return r, c.do(ctx, http.MethodGet, fmt.Sprintf("/events?after=%d&wait=%s", after, wait), nil, &r)
}

// Peers is GET /peers.
func (c *Client) Peers(ctx context.Context) ([]Peer, error) {
	var p PeersReply
	return p.Peers, c.do(ctx, http.MethodGet, "/peers", nil, &p)
}

// Block is GET /blocks/{hash}.
func (c *Client) Block(ctx context.Context, hash string) (Block, error) {
	var b Block
	return b, c.do(ctx, http.MethodGet, "/blocks/"+url.PathEscape(hash), nil, &b)
}

// BlockAt is GET /blocks/height/{n}.
func (c *Client) BlockAt(ctx context.Context, height uint64) (Block, error) {
	var b Block
	return b, c.do(ctx, http.MethodGet, "/blocks/height/"+strconv.FormatUint(height, 10), nil, &b)
}

// Balance is GET /balance/{addr-or-alias}.
func (c *Client) Balance(ctx context.Context, addrOrAlias string) (Balance, error) {
	var b Balance
	return b, c.do(ctx, http.MethodGet, "/balance/"+url.PathEscape(addrOrAlias), nil, &b)
}

// Wallets is GET /wallets.
func (c *Client) Wallets(ctx context.Context) ([]Wallet, error) {
	var w WalletsReply
	return w.Wallets, c.do(ctx, http.MethodGet, "/wallets", nil, &w)
}

// CreateWallet is POST /wallets.
func (c *Client) CreateWallet(ctx context.Context, alias string) (Wallet, error) {
	var w Wallet
	return w, c.do(ctx, http.MethodPost, "/wallets", CreateWalletRequest{Alias: alias}, &w)
}

// Send is POST /tx; it returns the txid and the payment built.
func (c *Client) Send(ctx context.Context, from, to string, amount uint64) (SendReply, error) {
	var r SendReply
	return r, c.do(ctx, http.MethodPost, "/tx", SendRequest{From: from, To: to, Amount: amount}, &r)
}

// SubmitTx is POST /tx/raw: a signed tx for the node's mempool. It
// returns the txid; a refusal is an *Error with its Reason.
func (c *Client) SubmitTx(ctx context.Context, tx *chain.Tx) (string, error) {
	var r SendReply
	return r.TxID, c.do(ctx, http.MethodPost, "/tx/raw", RawTx{Tx: hex.EncodeToString(tx.Bytes())}, &r)
}

// Mint is POST /mint; it returns once the blocks are connected.
func (c *Client) Mint(ctx context.Context, minter string, blocks int) (MintReply, error) {
	var r MintReply
	return r, c.do(ctx, http.MethodPost, "/mint", MintRequest{Minter: minter, Blocks: blocks}, &r)
}

// Gate is POST /admin/gate: it replaces the set of refused peers.
func (c *Client) Gate(ctx context.Context, deny []string) ([]string, error) {
	if deny == nil {
		deny = []string{}
	}
	var g Gate
	return g.Deny, c.do(ctx, http.MethodPost, "/admin/gate", Gate{Deny: deny}, &g)
}

// SetLinks is POST /admin/links: it replaces the node's link rules (and its
// default, unless l.Default is nil) and returns those in force.
func (c *Client) SetLinks(ctx context.Context, l Links) (Links, error) {
	if l.Rules == nil {
		l.Rules = []LinkRule{}
	}
	var out Links
	return out, c.do(ctx, http.MethodPost, "/admin/links", l, &out)
}

// Metric is the value of one unlabelled metric of GET /metrics
// (Prometheus text format).
func (c *Client) Metric(ctx context.Context, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("rpc GET /metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, &Error{Status: resp.StatusCode, Message: "GET /metrics"}
	}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 1<<20))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("rpc GET /metrics: %w", err)
	}
	return 0, fmt.Errorf("rpc GET /metrics: no metric %s", name)
}

// CheckUTXOs is GET /admin/utxo-check (token).
func (c *Client) CheckUTXOs(ctx context.Context) (UTXOCheck, error) {
	var out UTXOCheck
	return out, c.do(ctx, http.MethodGet, "/admin/utxo-check", nil, &out)
}

// Probe says whether a node answers at addr within a short time.
func Probe(addr string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return NewClient(addr).Healthz(ctx) == nil
}
