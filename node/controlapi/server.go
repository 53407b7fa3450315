package controlapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/devchain/devchain/node/chain"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Errors a Backend wraps to choose the HTTP status of its answer.
var (
	ErrNotFound    = errors.New("not found")          // 404
	ErrBadRequest  = errors.New("bad request")        // 400 (chain.ErrInvalid too)
	ErrUnavailable = errors.New("not available here") // 503: e.g. chain routes on a bootstrap
)

// Backend is what the routes call: the running node (or bootstrap).
type Backend interface {
	Status() Status
	Peers() []Peer
	Block(hash chain.Hash) (*chain.Block, error)
	BlockAt(height uint64) (*chain.Block, error)
	Balance(addrOrAlias string) (Balance, error)
	Wallets() ([]Wallet, error)
	CreateWallet(alias string) (Wallet, error)
	// Send builds, signs and submits a tx (in the mempool and relayed).
	Send(ctx context.Context, req SendRequest) (chain.Hash, error)
	// Mint returns once the blocks are connected.
	Mint(ctx context.Context, req MintRequest) (MintReply, error)
	// Gate replaces the set of refused peers and returns it.
	Gate(deny []string) ([]string, error)
	Metrics() Metrics
}

// maxBody bounds request bodies.
const maxBody = 1 << 20

// Handler serves the control API of b.
func Handler(b Backend, log *slog.Logger) http.Handler {
	s := &server{b: b, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { reply(w, Health{OK: true}) })
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) { reply(w, b.Status()) })
	mux.HandleFunc("GET /peers", func(w http.ResponseWriter, _ *http.Request) { reply(w, PeersReply{Peers: b.Peers()}) })
	mux.HandleFunc("GET /blocks/{hash}", s.blockByHash)
	mux.HandleFunc("GET /blocks/height/{n}", s.blockAt)
	mux.HandleFunc("GET /balance/{addr}", s.balance)
	mux.HandleFunc("GET /wallets", s.wallets)
	mux.HandleFunc("POST /wallets", s.createWallet)
	mux.HandleFunc("POST /tx", s.send)
	mux.HandleFunc("POST /mint", s.mint)
	mux.HandleFunc("POST /admin/gate", s.gate)
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry(b), promhttp.HandlerOpts{}))
	return mux
}

type server struct {
	b   Backend
	log *slog.Logger
}

func (s *server) blockByHash(w http.ResponseWriter, r *http.Request) {
	h, err := chain.ParseHash(r.PathValue("hash"))
	if err != nil {
		s.fail(w, r, fmt.Errorf("%w: %v", ErrBadRequest, err))
		return
	}
	s.block(w, r, func() (*chain.Block, error) { return s.b.Block(h) })
}

func (s *server) blockAt(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.ParseUint(r.PathValue("n"), 10, 64)
	if err != nil {
		s.fail(w, r, fmt.Errorf("%w: height %q", ErrBadRequest, r.PathValue("n")))
		return
	}
	s.block(w, r, func() (*chain.Block, error) { return s.b.BlockAt(n) })
}

func (s *server) block(w http.ResponseWriter, r *http.Request, get func() (*chain.Block, error)) {
	b, err := get()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reply(w, BlockJSON(b))
}

func (s *server) balance(w http.ResponseWriter, r *http.Request) {
	bal, err := s.b.Balance(r.PathValue("addr"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reply(w, bal)
}

func (s *server) wallets(w http.ResponseWriter, r *http.Request) {
	ws, err := s.b.Wallets()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if ws == nil {
		ws = []Wallet{}
	}
	reply(w, WalletsReply{Wallets: ws})
}

func (s *server) createWallet(w http.ResponseWriter, r *http.Request) {
	var req CreateWalletRequest
	if !s.decode(w, r, &req) {
		return
	}
	wl, err := s.b.CreateWallet(req.Alias)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reply(w, wl)
}

func (s *server) send(w http.ResponseWriter, r *http.Request) {
	var req SendRequest
	if !s.decode(w, r, &req) {
		return
	}
	id, err := s.b.Send(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reply(w, SendReply{TxID: id.String()})
}

func (s *server) mint(w http.ResponseWriter, r *http.Request) {
	var req MintRequest
	if !s.decode(w, r, &req) {
		return
	}
	if req.Blocks == 0 {
		req.Blocks = 1
	}
	if req.Blocks < 0 || req.Blocks > 10000 {
		s.fail(w, r, fmt.Errorf("%w: blocks %d: must be in 1..10000", ErrBadRequest, req.Blocks))
		return
	}
	res, err := s.b.Mint(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reply(w, res)
}

func (s *server) gate(w http.ResponseWriter, r *http.Request) {
	var req Gate
	if !s.decode(w, r, &req) {
		return
	}
	deny, err := s.b.Gate(req.Deny)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if deny == nil {
		deny = []string{}
	}
	reply(w, Gate{Deny: deny})
}

func (s *server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.fail(w, r, fmt.Errorf("%w: request body: %v", ErrBadRequest, err))
		return false
	}
	return true
}

func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, ErrBadRequest), errors.Is(err, chain.ErrInvalid):
		code = http.StatusBadRequest
	case errors.Is(err, ErrUnavailable):
		code = http.StatusServiceUnavailable
	}
	if code == http.StatusInternalServerError {
		s.log.Error("rpc", "route", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(errorReply{Error: err.Error()})
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// registry exports the backend's metrics, read at scrape time. Each
// server has its own registry so several nodes can share a process.
func registry(b Backend) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	gauge := func(name, help string, f func(Metrics) float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return f(b.Metrics()) }))
	}
	counter := func(name, help string, f func(Metrics) float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return f(b.Metrics()) }))
	}
	gauge("chaind_height", "Height of the main chain's tip.", func(m Metrics) float64 { return float64(m.Height) })
	gauge("chaind_peers", "Nodes connected through the sync protocol.", func(m Metrics) float64 { return float64(m.Peers) })
	counter("chaind_blocks_received_total", "Blocks received from peers.", func(m Metrics) float64 { return float64(m.BlocksReceived) })
	counter("chaind_txs_received_total", "Transactions received from peers.", func(m Metrics) float64 { return float64(m.TxsReceived) })
	counter("chaind_rejects_total", "Invalid blocks, txs and messages refused.", func(m Metrics) float64 { return float64(m.Rejects) })
	return reg
}

// Server is a running control API.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// Listen starts serving b on addr (host:port; port 0 picks one).
func Listen(addr string, b Backend, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("rpc listen on %s: %w", addr, err)
	}
	s := &Server{
		srv:  &http.Server{Handler: Handler(b, log), ReadHeaderTimeout: 10 * time.Second},
		ln:   ln,
		done: make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Addr is a host:port a client on the same machine can dial: an
// unspecified listen address becomes loopback.
func (s *Server) Addr() string { return Dialable(s.ln.Addr().String()) }

// Close stops the server, letting running requests finish for a moment.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	return err
}

// Dialable turns a listen address into one to dial: an unspecified host
// (0.0.0.0 or ::) becomes 127.0.0.1. A "tcp" listener on either is
// dual-stack and reports [::] even when given 0.0.0.0, and IPv4 loopback is
// there in every container, while Docker turns IPv6 off in containers of a
// network without it (::1 would refuse, and the CLI would think the node
// down).
func Dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
