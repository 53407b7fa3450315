// Package liveview is the live web view of a running devnet (`devnet ui`):
// an HTTP server that polls every node's /status and /peers about once a
// second and streams one JSON snapshot per poll to an embedded page (plain
// JS and SVG) over server-sent events. The page draws the topology, a table
// and a timeline of the events the server derives from consecutive
// snapshots; with a Controller it also offers node actions and partitions,
// behind a token and Origin and Host checks.
//
// The server takes a devnet that is already attached (a spec.Network and
// its backend.Backend), so whatever holds one (`devnet ui`, a run) can
// serve it.
package liveview

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/spec"
)

// Controller changes the devnet on behalf of the page's buttons. The
// runner implements it, so a button does what a scenario step does.
type Controller interface {
	// Control runs a node action (stop, start, restart, kill, pause,
	// unpause) on each of nodes.
	Control(ctx context.Context, kind string, nodes []string) error
	// Partition cuts traffic between sides; Heal undoes it.
	Partition(ctx context.Context, sides [][]string) error
	Heal(ctx context.Context) error
}

// Options are what a Server shows and how.
type Options struct {
	Net     *spec.Network
	Backend backend.Backend
	// Control, when set, adds the control routes and the page's buttons;
	// nil leaves the view read-only (the routes do not exist).
	Control Controller
	// Gone reports why the devnet no longer exists (its record removed),
	// or nil while it does; nil Gone: never gone.
	Gone func() error
	// Poll is the interval of polls (default 1 s).
	Poll time.Duration
	// Out receives the few lines meant for the terminal (the devnet is
	// gone); nil: none.
	Out io.Writer
}

// Server is the live view of one devnet.
type Server struct {
	opts  Options
	token string // "" without Control
	names map[string]bool

	feeds *feeds // node events and notes for the timeline

	mu      sync.Mutex
	latest  []byte        // the last snapshot, as sent
	changed chan struct{} // closed and replaced when latest changes
	streams int           // open event streams
}

// tokenBytes is the control token's size: 128 bits.
const tokenBytes = 16

// New returns the live view of opts.Net. With a Controller it makes the
// random token the control routes ask for.
func New(opts Options) (*Server, error) {
	if opts.Net == nil || opts.Backend == nil {
		return nil, errors.New("liveview: a network and its backend are needed")
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	s := &Server{opts: opts, names: map[string]bool{}, changed: make(chan struct{}), feeds: newFeeds()}
	for _, n := range opts.Net.Nodes {
		s.names[n.Name] = true
	}
	if opts.Control != nil {
		b := make([]byte, tokenBytes)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("liveview: token: %w", err)
		}
		s.token = hex.EncodeToString(b)
	}
	return s, nil
}

// Listen opens addr, with an error that names it (a port in use).
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// URL is the page's address on ln, carrying the control token when there
// is one. An unspecified listen address (0.0.0.0) is shown as loopback.
func (s *Server) URL(ln net.Listener) string {
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: "/"}
	if s.token != "" {
		u.RawQuery = url.Values{"token": {s.token}}.Encode()
	}
	return u.String()
}

// Serve polls the devnet and serves the page on ln until ctx ends. Losing
// the devnet does not end it: the page says so until then.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	pollDone := make(chan struct{})
	go func() {
		defer close(pollDone)
		s.pollLoop(ctx)
	}()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(shut) // event streams end with ctx, so this is quick
	<-pollDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Note adds an entry to the timeline from outside the devnet's nodes (a
// run's steps), shown with the next snapshot, which it brings forward.
func (s *Server) Note(kind, text string) {
	s.feeds.note(Event{Time: time.Now().UTC(), Kind: kind, Text: text})
}

// publish makes b the latest snapshot and wakes every event stream.
func (s *Server) publish(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latest = b
	close(s.changed)
	s.changed = make(chan struct{})
}

// current is the latest snapshot (nil before the first poll) and a channel
// closed when a newer one is published.
func (s *Server) current() ([]byte, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latest, s.changed
}
