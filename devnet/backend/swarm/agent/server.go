package agent

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/devchain/devchain/compose"
)

// Engine is what the agent needs of its host's engine (DockerEngine); the
// tests put a fake behind it.
type Engine interface {
	// Container is a container's labels and whether it is paused; an
	// unknown container is a cerrdefs.IsNotFound error.
	Container(ctx context.Context, id string) (labels map[string]string, paused bool, err error)
	// Kill sends SIGKILL and returns once the container stopped.
	Kill(ctx context.Context, id string) error
	Pause(ctx context.Context, id string) error
	Unpause(ctx context.Context, id string) error
	// Exec runs /chaind ARGV in the running container; its stdout.
	Exec(ctx context.Context, id string, argv []string) (string, error)
	// VolumeLabels is a volume's labels; an unknown volume is a
	// cerrdefs.IsNotFound error.
	VolumeLabels(ctx context.Context, name string) (map[string]string, error)
	// RunOnVolume is docker.RunOnVolume.
	RunOnVolume(ctx context.Context, image, devnet, node, volume string, labels map[string]string, argv []string) (string, error)
	// RemoveVolumes removes the devnet's one-off containers and volumes
	// on this host and names the volumes removed.
	RemoveVolumes(ctx context.Context, devnet string) ([]string, error)
}

// Server answers the API for one devnet on one host.
type Server struct {
	Devnet string // the only devnet whose containers and volumes it touches
	Token  string // the devnet's control API token, the bearer token of every call
	// NodeImage is the only image run-on-volume runs (the devnet's node
	// image): with the engine socket, any other would be a way to run
	// anything on the host.
	NodeImage string
	Host      string // this host's name, in every answer and error
	Engine    Engine
	Log       *slog.Logger
}

// Handler routes the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathPing, s.auth(func(w http.ResponseWriter, r *http.Request) {
		s.reply(w, r, http.StatusOK, Response{})
	}))
	mux.HandleFunc("POST "+PathKill, s.auth(s.onContainer("kill", func(ctx context.Context, req ContainerRequest) (string, error) {
		return "", s.Engine.Kill(ctx, req.Container)
	})))
	mux.HandleFunc("POST "+PathPause, s.auth(s.onContainer("pause", func(ctx context.Context, req ContainerRequest) (string, error) {
		return "", s.Engine.Pause(ctx, req.Container)
	})))
	mux.HandleFunc("POST "+PathUnpause, s.auth(s.onContainer("unpause", func(ctx context.Context, req ContainerRequest) (string, error) {
		return "", s.Engine.Unpause(ctx, req.Container)
	})))
	mux.HandleFunc("POST "+PathExec, s.auth(s.onContainer("exec in", func(ctx context.Context, req ContainerRequest) (string, error) {
		if len(req.Argv) == 0 {
			return "", badRequest("no argv")
		}
		return s.Engine.Exec(ctx, req.Container, req.Argv)
	})))
	mux.HandleFunc("POST "+PathRunOnVolume, s.auth(s.runOnVolume))
	mux.HandleFunc("POST "+PathRemoveVolumes, s.auth(s.removeVolumes))
	return mux
}

// httpError is a failure with its status.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, a ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, a...)}
}

func forbidden(format string, a ...any) error {
	return &httpError{http.StatusForbidden, fmt.Sprintf(format, a...)}
}

// auth refuses a call without the devnet's token, compared in constant
// time.
func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || s.Token == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.Token)) != 1 {
			s.fail(w, r, "", &httpError{http.StatusUnauthorized, "missing or wrong bearer token (want devnet " + s.Devnet + "'s control API token)"})
			return
		}
		next(w, r)
	}
}

// decode reads a JSON body of at most MaxBody bytes into v.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", mbe.Limit)}
		}
		return badRequest("request body: %v", err)
	}
	return nil
}

// onContainer decodes a ContainerRequest, checks the container is a node
// of the agent's devnet, and runs op on it.
func (s *Server) onContainer(what string, op func(context.Context, ContainerRequest) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req ContainerRequest
		if err := decode(w, r, &req); err != nil {
			s.fail(w, r, what, err)
			return
		}
		what := what + " container " + req.Container
		if req.Container == "" {
			s.fail(w, r, what, badRequest("no container named"))
			return
		}
		labels, paused, err := s.Engine.Container(r.Context(), req.Container)
		if err != nil {
			s.fail(w, r, what, err)
			return
		}
		if err := s.mine(labels); err != nil {
			s.fail(w, r, what, err)
			return
		}
		if paused && r.URL.Path == PathExec {
			s.fail(w, r, what, &httpError{http.StatusConflict, "node " + labels[compose.LabelNode] + " is paused"})
			return
		}
		out, err := op(r.Context(), req)
		if err != nil {
			s.failOutput(w, r, what, out, err)
			return
		}
		s.log(r, what, nil)
		s.reply(w, r, http.StatusOK, Response{Output: out})
	}
}

// mine refuses a container that is not a chain node of the agent's devnet
// (another devnet's, no devnet's, or an agent).
func (s *Server) mine(labels map[string]string) error {
	switch got := labels[compose.LabelDevnet]; {
	case got != s.Devnet:
		return forbidden("it is not of devnet %s (%s=%q): refused", s.Devnet, compose.LabelDevnet, got)
	case labels[compose.LabelNode] == "" || labels[compose.LabelRole] == Role:
		return forbidden("it is not a node of devnet %s (no %s label, or an agent): refused", s.Devnet, compose.LabelNode)
	}
	return nil
}

func (s *Server) runOnVolume(w http.ResponseWriter, r *http.Request) {
	var req RunOnVolumeRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, "run on volume", err)
		return
	}
	what := "run on volume " + req.Volume
	switch {
	case req.Image == "" || req.Node == "" || len(req.Argv) == 0:
		s.fail(w, r, what, badRequest("want an image, a node and an argv"))
		return
	case req.Image != s.NodeImage:
		s.fail(w, r, what, forbidden("image %s is not devnet %s's node image (%s): refused", req.Image, s.Devnet, s.NodeImage))
		return
	case req.Volume != compose.VolumeName(s.Devnet, req.Node):
		s.fail(w, r, what, forbidden("not node %s's volume of devnet %s (%s): refused", req.Node, s.Devnet, compose.VolumeName(s.Devnet, req.Node)))
		return
	case req.Labels[compose.LabelDevnet] != s.Devnet || req.Labels[compose.LabelNode] != req.Node:
		s.fail(w, r, what, forbidden("its labels do not name devnet %s and node %s: refused", s.Devnet, req.Node))
		return
	}
	labels, err := s.Engine.VolumeLabels(r.Context(), req.Volume)
	switch {
	case cerrdefs.IsNotFound(err): // RunOnVolume creates it, with the labels checked above
	case err != nil:
		s.fail(w, r, what, err)
		return
	case labels[compose.LabelDevnet] != s.Devnet:
		s.fail(w, r, what, forbidden("the volume is not of devnet %s (%s=%q): refused", s.Devnet, compose.LabelDevnet, labels[compose.LabelDevnet]))
		return
	}
	out, err := s.Engine.RunOnVolume(r.Context(), req.Image, s.Devnet, req.Node, req.Volume, req.Labels, req.Argv)
	if err != nil {
		s.failOutput(w, r, what, out, err)
		return
	}
	s.log(r, what, nil)
	s.reply(w, r, http.StatusOK, Response{Output: out})
}

func (s *Server) removeVolumes(w http.ResponseWriter, r *http.Request) {
	var req struct{}
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, "remove volumes", err)
		return
	}
	removed, err := s.Engine.RemoveVolumes(r.Context(), s.Devnet)
	if err != nil {
		s.fail(w, r, "remove volumes", err)
		return
	}
	s.log(r, "remove volumes", nil, "removed", len(removed))
	s.reply(w, r, http.StatusOK, Response{Removed: removed})
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.failOutput(w, r, what, "", err)
}

// failOutput answers err with its status (an engine's not-found is 404,
// any other engine error 500), naming what failed, the devnet and host.
func (s *Server) failOutput(w http.ResponseWriter, r *http.Request, what, out string, err error) {
	status := http.StatusInternalServerError
	var he *httpError
	switch {
	case errors.As(err, &he):
		status = he.status
	case cerrdefs.IsNotFound(err):
		status = http.StatusNotFound
	}
	msg := fmt.Sprintf("agent of devnet %s on %s", s.Devnet, s.Host)
	if what != "" {
		msg += ": " + what
	}
	msg += ": " + err.Error()
	s.log(r, what, err, "status", status)
	s.reply(w, r, status, Response{Output: out, Error: msg})
}

func (s *Server) log(r *http.Request, what string, err error, attrs ...any) {
	attrs = append(attrs, "path", r.URL.Path, "from", r.RemoteAddr)
	if err != nil {
		s.Log.Warn(what, append(attrs, "err", err)...)
		return
	}
	s.Log.Info(what, attrs...)
}

func (s *Server) reply(w http.ResponseWriter, r *http.Request, status int, res Response) {
	res.Devnet, res.Host = s.Devnet, s.Host
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(res); err != nil {
		s.Log.Debug("reply not sent", "path", r.URL.Path, "err", err)
	}
}
