package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// NodeStatus is a node's GET /status answer (docs/DESIGN.md, control API).
type NodeStatus struct {
	Role         string   `json:"role"`
	Height       uint64   `json:"height"`
	Tip          string   `json:"tip"`
	Genesis      string   `json:"genesis"`
	PeerID       string   `json:"peer_id"`
	Addrs        []string `json:"addrs"`
	Peers        int      `json:"peers"`
	ConnectedVia string   `json:"connected_via"`
	Mempool      int      `json:"mempool"`
	RSSBytes     uint64   `json:"rss_bytes"`
}

// Client talks to one node's control API.
type Client struct {
	Base string
	HTTP *http.Client
}

// sharedHTTP keeps connections to nodes alive across clients.
var sharedHTTP = &http.Client{Timeout: 60 * time.Second} // mint waits for its blocks

// NewClient returns a client for the API at base (http://host:port).
func NewClient(base string) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: sharedHTTP}
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s %s: %s", method, path, e.Error)
		}
		return fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: bad answer: %w", method, path, err)
	}
	return nil
}

func (c *Client) Healthz(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/healthz", nil, nil)
}

func (c *Client) Status(ctx context.Context) (*NodeStatus, error) {
	var s NodeStatus
	return &s, c.do(ctx, http.MethodGet, "/status", nil, &s)
}

// StatusRaw is the /status body as the node wrote it (artefacts).
func (c *Client) StatusRaw(ctx context.Context) (json.RawMessage, error) {
	var raw json.RawMessage
	return raw, c.do(ctx, http.MethodGet, "/status", nil, &raw)
}

// Wallet is one entry of GET /wallets.
type Wallet struct {
	Alias   string `json:"alias"`
	Address string `json:"address"`
}

func (c *Client) Wallets(ctx context.Context) ([]Wallet, error) {
	var out struct {
		Wallets []Wallet `json:"wallets"`
	}
	return out.Wallets, c.do(ctx, http.MethodGet, "/wallets", nil, &out)
}

func (c *Client) CreateWallet(ctx context.Context, alias string) (Wallet, error) {
	var w Wallet
	return w, c.do(ctx, http.MethodPost, "/wallets", map[string]string{"alias": alias}, &w)
}

func (c *Client) Balance(ctx context.Context, addrOrAlias string) (uint64, error) {
	var out struct {
		Balance uint64 `json:"balance"`
	}
	return out.Balance, c.do(ctx, http.MethodGet, "/balance/"+url.PathEscape(addrOrAlias), nil, &out)
}

func (c *Client) Send(ctx context.Context, from, to string, amount uint64) (string, error) {
	var out struct {
		TxID string `json:"txid"`
	}
	in := map[string]any{"from": from, "to": to, "amount": amount}
	return out.TxID, c.do(ctx, http.MethodPost, "/tx", in, &out)
}

// Mint mines blocks paying minter and returns the height after them.
func (c *Client) Mint(ctx context.Context, minter string, blocks int) (uint64, error) {
	var out struct {
		Height uint64 `json:"height"`
	}
	in := map[string]any{"minter": minter, "blocks": blocks}
	return out.Height, c.do(ctx, http.MethodPost, "/mint", in, &out)
}

// BlockHashAt is the hash of the node's main-chain block at height h.
func (c *Client) BlockHashAt(ctx context.Context, h uint64) (string, error) {
	var out struct {
		Hash string `json:"hash"`
	}
	return out.Hash, c.do(ctx, http.MethodGet, fmt.Sprintf("/blocks/height/%d", h), nil, &out)
}
