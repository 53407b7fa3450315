package liveview

import (
	"bytes"
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/devchain/devchain/node/controlapi"
)

//go:embed assets
var assets embed.FS

// Limits of the routes.
const (
	maxStreams     = 64              // event streams open at once (pages)
	maxControlBody = 4 << 10         // bytes of a control request
	logLines       = 50              // log lines a node's detail shows
	logLineBytes   = 1 << 10         // longer lines are cut
	detailTimeout  = 5 * time.Second // a node's /status and log for its detail
	controlTimeout = 2 * time.Minute // an action: a stop waits for the node to end
	writeTimeout   = 10 * time.Second
)

// NodeActions are the actions Controller.Control takes, the page's buttons.
var NodeActions = []string{"stop", "start", "restart", "kill", "pause", "unpause"}

// Handler serves the page, its assets and the routes (docs/DESIGN.md). Every
// route checks Host; the control route exists only with a Controller.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, assets, "assets/index.html")
	})
	mux.Handle("GET /assets/", http.FileServerFS(assets))
	mux.HandleFunc("GET /api/events", s.events)
	mux.HandleFunc("GET /api/nodes/{name}", s.node)
	if s.opts.Control != nil {
		mux.HandleFunc("POST /api/control", s.control)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !localHost(r.Host) {
			writeError(w, http.StatusForbidden, fmt.Errorf("host %q refused: name the server by an IP address or localhost", r.Host))
			return
		}
		// The page runs only its own script and cannot be framed: a
		// page of another site cannot click its buttons for the user.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Frame-Options", "DENY")
		mux.ServeHTTP(w, r)
	})
}

// localHost tells whether a Host header names an IP address or localhost:
// a page that points its own DNS name at the server (DNS rebinding) sends
// its name and is refused.
func localHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return true
	}
	return strings.EqualFold(host, "localhost")
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

// events streams every snapshot as a server-sent event, the latest first.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	if !s.openStream() {
		writeError(w, http.StatusServiceUnavailable, fmt.Errorf("more than %d pages open", maxStreams))
		return
	}
	defer s.closeStream()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	for {
		b, changed := s.current()
		if b != nil {
			// A page that stops reading must not hold its stream forever.
			_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-changed:
		}
	}
}

func (s *Server) openStream() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams >= maxStreams {
		return false
	}
	s.streams++
	return true
}

func (s *Server) closeStream() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.streams--
}

// NodeDetail is GET /api/nodes/{name}: the node's /status as it answers
// now and the last lines of its log.
type NodeDetail struct {
	Name        string             `json:"name"`
	Status      *controlapi.Status `json:"status,omitempty"`
	StatusError string             `json:"status_error,omitempty"`
	Log         []string           `json:"log"`
	LogError    string             `json:"log_error,omitempty"`
}

func (s *Server) node(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !s.names[name] {
		writeError(w, http.StatusNotFound, fmt.Errorf("devnet %s has no node %q", s.opts.Net.Name, name))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), detailTimeout)
	defer cancel()
	d := NodeDetail{Name: name, Log: []string{}}
	if base, err := s.opts.Backend.Endpoint(name); err != nil {
		d.StatusError = err.Error()
	} else if st, err := controlapi.NewClient(base).Status(ctx); err != nil {
		d.StatusError = err.Error()
	} else {
		d.Status = &st
	}
	tail := &tailWriter{max: logLines, lineMax: logLineBytes}
	if err := s.opts.Backend.Logs(ctx, name, false, tail); err != nil {
		d.LogError = err.Error()
	}
	d.Log = tail.lines()
	writeJSON(w, http.StatusOK, d)
}

// ControlRequest is POST /api/control: a node action on Nodes, a
// partition into Sides, or heal.
type ControlRequest struct {
	Action string     `json:"action"`
	Nodes  []string   `json:"nodes,omitempty"`
	Sides  [][]string `json:"sides,omitempty"`
}

// control runs a ControlRequest from the page. Beyond Host (every route),
// it wants the page's own Origin when one is sent, the token, and a JSON
// body: a page of another site can neither read the token nor send it.
func (s *Server) control(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
		writeError(w, http.StatusForbidden, fmt.Errorf("origin %q refused: control requests come from the page itself", o))
		return
	}
	got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1 {
		writeError(w, http.StatusForbidden, errors.New("missing or wrong token: open the URL devnet ui printed"))
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, errors.New("want Content-Type: application/json"))
		return
	}
	var req ControlRequest
	if err := decodeStrict(http.MaxBytesReader(w, r.Body, maxControlBody), &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if err := s.checkControl(req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	// Not the request's context: a page closed during a stop must not
	// leave the node half stopped.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), controlTimeout)
	defer cancel()
	var err error
	switch req.Action {
	case "partition":
		err = s.opts.Control.Partition(ctx, req.Sides)
	case "heal":
		err = s.opts.Control.Heal(ctx)
	default:
		err = s.opts.Control.Control(ctx, req.Action, req.Nodes)
	}
	if err != nil {
		writeError(w, http.StatusBadGateway, fmt.Errorf("%s: %w", req.Action, err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// decodeStrict reads exactly one JSON value without unknown fields.
func decodeStrict(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("body: want one JSON value")
	}
	return nil
}

// checkControl refuses a request that names unknown nodes, a node twice,
// or fields its action does not take.
func (s *Server) checkControl(req ControlRequest) error {
	var names []string
	switch {
	case req.Action == "heal":
		if req.Nodes != nil || req.Sides != nil {
			return errors.New("heal takes no nodes or sides")
		}
	case req.Action == "partition":
		if req.Nodes != nil || len(req.Sides) < 2 {
			return errors.New("partition takes sides (two or more), not nodes")
		}
		for i, side := range req.Sides {
			if len(side) == 0 {
				return fmt.Errorf("partition: side %d is empty", i+1)
			}
			names = append(names, side...)
		}
	case slices.Contains(NodeActions, req.Action):
		if req.Sides != nil || len(req.Nodes) == 0 {
			return fmt.Errorf("%s takes nodes, not sides", req.Action)
		}
		names = req.Nodes
	default:
		return fmt.Errorf("action %q: want %s, partition or heal", req.Action, strings.Join(NodeActions, ", "))
	}
	seen := map[string]bool{}
	for _, n := range names {
		if !s.names[n] {
			return fmt.Errorf("devnet %s has no node %q", s.opts.Net.Name, n)
		}
		if seen[n] {
			return fmt.Errorf("node %q named twice", n)
		}
		seen[n] = true
	}
	return nil
}

// tailWriter keeps the last max lines written to it, each cut to lineMax
// bytes, so a long log costs no more memory than its tail.
type tailWriter struct {
	max, lineMax int
	ring         []string
	next         int
	partial      []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := t.lineMax - len(t.partial); room > 0 {
			t.partial = append(t.partial, chunk[:min(len(chunk), room)]...)
		}
		if i < 0 {
			break
		}
		t.push(string(t.partial))
		t.partial = t.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

func (t *tailWriter) push(line string) {
	if len(t.ring) < t.max {
		t.ring = append(t.ring, line)
		return
	}
	t.ring[t.next] = line
	t.next = (t.next + 1) % t.max
}

// lines are the kept lines in order, an unfinished last line included.
func (t *tailWriter) lines() []string {
	out := append(append([]string{}, t.ring[t.next:]...), t.ring[:t.next]...)
	if len(t.partial) > 0 {
		out = append(out, string(t.partial))
		out = out[max(0, len(out)-t.max):]
	}
	return out
}
