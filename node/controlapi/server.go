package controlapi

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
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
	// ConnectedAt is when the node first connected block hash, if it
	// still knows.
	ConnectedAt(hash chain.Hash) (time.Time, bool)
	BlockAt(height uint64) (*chain.Block, error)
	Balance(addrOrAlias string) (Balance, error)
	Wallets() ([]Wallet, error)
	CreateWallet(alias string) (Wallet, error)
	// Send builds, signs and submits a tx (in the mempool and relayed),
	// and returns it.
	Send(ctx context.Context, req SendRequest) (*chain.Tx, error)
	// SubmitTx takes a tx signed elsewhere into the mempool and relays it;
	// a tx already held is no error. A refusal is a *Refused.
	SubmitTx(tx *chain.Tx) error
	// Mint returns once the blocks are connected.
	Mint(ctx context.Context, req MintRequest) (MintReply, error)
	// Gate replaces the set of refused peers and returns it.
	Gate(deny []string) ([]string, error)
	// SetLinks replaces the link rules and returns those in force.
	SetLinks(l Links) (Links, error)
	// CheckUTXOs compares the stored UTXO set with one rebuilt from the
	// main chain.
	CheckUTXOs() (UTXOCheck, error)
	Metrics() Metrics
	// Events gives the events after Seq after, waiting up to wait for one.
	Events(ctx context.Context, after uint64, wait time.Duration) EventsReply
}

// Limits of the control API server. The API is for the node's own
// launcher and CLI, so they are far above what those need and far below
// what would let a stranger hold the node's resources.
const (
	// MaxConns bounds the connections open at once (see capListener).
	MaxConns = 256
	// ReadHeaderTimeout bounds the wait for a request's headers,
	// ReadTimeout for the whole request, body included.
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 10 * time.Second
	// WriteTimeout bounds a request's handling and answer, except POST
	// /mint's: it lasts as long as its blocks take (the caller, who holds
	// the token, bounds it by closing the connection).
	WriteTimeout = 30 * time.Second
	// IdleTimeout closes a kept-alive connection with no next request.
	IdleTimeout = 60 * time.Second
	// MaxHeaderBytes bounds a request's header lines.
	MaxHeaderBytes = 16 << 10
	// MaxBody bounds request bodies: the largest is a raw tx of
	// chain.MaxTxSize bytes, in hex.
	MaxBody = 2*chain.MaxTxSize + 1<<10
)

// handler serves the control API of b. Read-only GET routes are open;
// every other route (POST, and anything under /admin/) needs token as
// "Authorization: Bearer TOKEN", and a POST a JSON body (Content-Type
// application/json), so a web page cannot reach them with a cross-origin
// form or text/plain post. An empty token refuses them all.
func handler(b Backend, token string, hosts []string, log *slog.Logger) http.Handler {
	s := &server{b: b, token: token, hosts: hosts, log: log, mux: http.NewServeMux()}
	mux := s.mux
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { reply(w, Health{OK: true}) })
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) { reply(w, b.Status()) })
	mux.HandleFunc("GET /peers", func(w http.ResponseWriter, _ *http.Request) { reply(w, PeersReply{Peers: b.Peers()}) })
	mux.HandleFunc("GET /blocks/{hash}", s.blockByHash)
	mux.HandleFunc("GET /blocks/height/{n}", s.blockAt)
	mux.HandleFunc("GET /events", s.events)
	mux.HandleFunc("GET /balance/{addr}", s.balance)
	mux.HandleFunc("GET /wallets", s.wallets)
	mux.HandleFunc("POST /wallets", s.createWallet)
	mux.HandleFunc("POST /tx", s.send)
	mux.HandleFunc("POST /tx/raw", s.submitRaw)
	mux.HandleFunc("POST /mint", s.mint)
	mux.HandleFunc("POST /admin/gate", s.gate)
	mux.HandleFunc("POST /admin/links", s.links)
	mux.HandleFunc("GET /admin/utxo-check", func(w http.ResponseWriter, r *http.Request) {
		c, err := b.CheckUTXOs()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		reply(w, c)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry(b), promhttp.HandlerOpts{}))
	return s
}

type server struct {
	b     Backend
	token string
	hosts []string // names answered to besides IPs and localhost
	log   *slog.Logger
	mux   *http.ServeMux
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body := &bodyWatch{ReadCloser: r.Body}
	r.Body = body
	defer func() {
		// A body the handler left unread (an error answered first, a GET
		// with a body) would be drained by the server before the
		// connection is let go, for as long as ReadTimeout when its sender
		// is silent: end the connection now instead.
		if r.ContentLength != 0 && !body.eof {
			_ = http.NewResponseController(w).SetReadDeadline(time.Now())
		}
	}()
	if !s.hostAllowed(r.Host) {
		s.fail(w, r, fmt.Errorf("%w: Host %q is neither an IP address nor localhost "+
			"(start chaind with --rpc-allow-host NAME to answer to a name)", errHost, r.Host))
		return
	}
	_, pattern := s.mux.Handler(r)
	if pattern == "" {
		// The mux's own answers (404, 405 with Allow) are plain text.
		s.mux.ServeHTTP(&jsonErrors{ResponseWriter: w}, r)
		return
	}
	if r.ContentLength != 0 && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		w.Header().Set("Connection", "close")
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead || strings.HasPrefix(r.URL.Path, "/admin/") {
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="chaind"`)
			s.fail(w, r, errUnauthorized)
			return
		}
		// A body must be JSON: a web page can post a form or text/plain
		// across origins without asking, but not application/json. A
		// GET carries no body (and its token already needs a preflight).
		body := r.Method != http.MethodGet && r.Method != http.MethodHead
		if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); body && (err != nil || ct != "application/json") {
			s.fail(w, r, fmt.Errorf("%w: Content-Type %q: want application/json", errMediaType, r.Header.Get("Content-Type")))
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// Errors of the server itself.
var (
	errUnauthorized = errors.New("missing or wrong token: send Authorization: Bearer TOKEN " +
		"(chaind's CLI reads it from the data dir's " + CookieFile + ")") // 401
	errMediaType = errors.New("unsupported media type")   // 415
	errTooLarge  = errors.New("request body too large")   // 413
	errHost      = errors.New("request for another host") // 403
)

// hostAllowed tells whether a request's Host header names the server by an
// IP address, as localhost, or as one of the names it was told. A web page
// that points its own DNS name at this address (DNS rebinding) gets its
// scripts past the browser's same-origin rule, but its requests still name
// it, and are refused: the open GET routes stay readable to this machine's
// clients and nobody else's browser.
func (s *server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if net.ParseIP(host) != nil || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	for _, h := range s.hosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

// authorized tells whether r carries the server's token. The comparison
// takes as long for every wrong token of a given length.
func (s *server) authorized(r *http.Request) bool {
	if s.token == "" {
		return false
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.token)) == 1
}

// bodyWatch notes whether a request body was read to its end.
type bodyWatch struct {
	io.ReadCloser
	eof bool
}

func (b *bodyWatch) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

// jsonErrors turns the error answers of http.ServeMux into JSON ones.
type jsonErrors struct {
	http.ResponseWriter
	replaced bool
}

func (j *jsonErrors) WriteHeader(code int) {
	if code < 400 {
		j.ResponseWriter.WriteHeader(code)
		return
	}
	j.replaced = true
	h := j.Header()
	h.Del("Content-Length")
	h.Del("X-Content-Type-Options")
	h.Set("Content-Type", "application/json")
	j.ResponseWriter.WriteHeader(code)
	_ = json.NewEncoder(j.ResponseWriter).Encode(errorReply{Error: strings.ToLower(http.StatusText(code))})
}

func (j *jsonErrors) Write(p []byte) (int, error) {
	if j.replaced {
		return len(p), nil
	}
	return j.ResponseWriter.Write(p)
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

// MaxEventsWait bounds how long GET /events waits for an event: well
// within WriteTimeout, so a long poll ends with an answer, not a reset.
const MaxEventsWait = 20 * time.Second

// events is GET /events?after=SEQ&wait=DURATION: the events after SEQ (0:
// all the node holds), waiting up to wait (at most MaxEventsWait) when
// there is none yet.
func (s *server) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var after uint64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			s.fail(w, r, fmt.Errorf("%w: after %q: want an event's seq", ErrBadRequest, v))
			return
		}
		after = n
	}
	var wait time.Duration
	if v := q.Get("wait"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > MaxEventsWait {
			s.fail(w, r, fmt.Errorf("%w: wait %q: want a duration from 0 to %s", ErrBadRequest, v, MaxEventsWait))
			return
		}
		wait = d
	}
	reply(w, s.b.Events(r.Context(), after, wait))
}

func (s *server) block(w http.ResponseWriter, r *http.Request, get func() (*chain.Block, error)) {
	b, err := get()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := BlockJSON(b)
	if at, ok := s.b.ConnectedAt(b.Hash()); ok {
		out.ConnectedAt = &at
	}
	reply(w, out)
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
	tx, err := s.b.Send(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reply(w, SendReply{TxID: tx.ID().String(), Tx: new(TxJSON(tx))})
}

func (s *server) submitRaw(w http.ResponseWriter, r *http.Request) {
	var req RawTx
	if !s.decode(w, r, &req) {
		return
	}
	raw, err := hex.DecodeString(req.Tx)
	if err != nil {
		s.fail(w, r, fmt.Errorf("%w: tx: not hex: %v", ErrBadRequest, err))
		return
	}
	tx, err := chain.DecodeTx(raw)
	if err != nil {
		s.fail(w, r, &Refused{Reason: string(chain.RuleEncoding), Err: fmt.Errorf("tx: %w", err)})
		return
	}
	if err := s.b.SubmitTx(tx); err != nil {
		s.fail(w, r, err)
		return
	}
	reply(w, SendReply{TxID: tx.ID().String()})
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
	// Mining may outlast WriteTimeout; the answer waits for it.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
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

func (s *server) links(w http.ResponseWriter, r *http.Request) {
	var req Links
	if !s.decode(w, r, &req) {
		return
	}
	out, err := s.b.SetLinks(req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reply(w, out)
}

func (s *server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := decodeBody(http.MaxBytesReader(w, r.Body, MaxBody), v); err != nil {
		s.fail(w, r, err)
		return false
	}
	return true
}

// decodeBody reads exactly one JSON value from body into v: unknown
// fields, a second value or anything else after the first but white space
// are refused, so what the node acts on is all the client sent.
func decodeBody(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, after := dec.Token(); after != io.EOF {
			err = errors.New("data after the JSON value")
			if tooLarge(after) {
				err = after
			}
		}
	}
	switch {
	case err == nil:
		return nil
	case tooLarge(err):
		return fmt.Errorf("%w: more than %d bytes", errTooLarge, MaxBody)
	}
	return fmt.Errorf("%w: request body: %v", ErrBadRequest, err)
}

func tooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
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
	case errors.Is(err, errUnauthorized):
		code = http.StatusUnauthorized
	case errors.Is(err, errHost):
		code = http.StatusForbidden
	case errors.Is(err, errMediaType):
		code = http.StatusUnsupportedMediaType
	case errors.Is(err, errTooLarge):
		code = http.StatusRequestEntityTooLarge
	}
	if code == http.StatusInternalServerError {
		s.log.Error("rpc", "route", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	if code < 500 {
		// The request was refused, perhaps before its body was read: the
		// connection ends with the answer.
		w.Header().Set("Connection", "close")
	}
	w.WriteHeader(code)
	e := errorReply{Error: err.Error()}
	var refused *Refused
	if errors.As(err, &refused) {
		e.Reason = refused.Reason
	}
	_ = json.NewEncoder(w).Encode(e)
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
	if c, ok := b.(interface{ Collectors() []prometheus.Collector }); ok {
		reg.MustRegister(c.Collectors()...)
	}
	gauge("chaind_height", "Height of the main chain's tip.", func(m Metrics) float64 { return float64(m.Height) })
	gauge("chaind_peers", "Nodes connected through the sync protocol.", func(m Metrics) float64 { return float64(m.Peers) })
	counter("chaind_blocks_received_total", "Blocks received from peers.", func(m Metrics) float64 { return float64(m.BlocksReceived) })
	counter("chaind_txs_received_total", "Transactions received from peers.", func(m Metrics) float64 { return float64(m.TxsReceived) })
	counter("chaind_rejects_total", "Invalid blocks, txs and messages refused.", func(m Metrics) float64 { return float64(m.Rejects) })
	counter("chaind_signature_verifications_total", "Input signatures verified (once per transaction with the signature cache).", func(m Metrics) float64 { return float64(m.SigVerifications) })
	gauge("chaind_mempool_txs", "Transactions in the mempool.", func(m Metrics) float64 { return float64(m.MempoolTxs) })
	gauge("chaind_mempool_bytes", "Encoded bytes of the mempool's transactions.", func(m Metrics) float64 { return float64(m.MempoolBytes) })
	counter("chaind_gossip_lost_total", "Announcements dropped by link rules (loss).", func(m Metrics) float64 { return float64(m.GossipLost) })
	return reg
}

// Server is a running control API.
type Server struct {
	srv   *http.Server
	ln    *capListener
	auth  Auth
	token string
	done  chan error
}

// Listen starts serving b on addr (host:port; port 0 picks one), with the
// token auth gives; with auth.DataDir it writes the token there first
// (CookieFile), so a client that finds the node also finds its token.
func Listen(addr string, b Backend, auth Auth, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	token, err := auth.token()
	if err != nil {
		return nil, err
	}
	if auth.DataDir != "" {
		if err := writeCookie(auth.DataDir, token); err != nil {
			return nil, err
		}
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		if auth.DataDir != "" {
			_ = removeCookie(auth.DataDir, token)
		}
		return nil, fmt.Errorf("rpc listen on %s: %w", addr, err)
	}
	ln := newCapListener(l, MaxConns)
	s := &Server{
		srv: &http.Server{
			Handler:           handler(b, token, auth.Hosts, log),
			ReadHeaderTimeout: ReadHeaderTimeout,
			ReadTimeout:       ReadTimeout,
			WriteTimeout:      WriteTimeout,
			IdleTimeout:       IdleTimeout,
			MaxHeaderBytes:    MaxHeaderBytes,
			ConnState:         ln.connState,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		},
		ln:    ln,
		auth:  auth,
		token: token,
		done:  make(chan error, 1),
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
	if s.auth.DataDir != "" {
		err = errors.Join(err, removeCookie(s.auth.DataDir, s.token))
	}
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
