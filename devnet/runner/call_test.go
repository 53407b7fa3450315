package runner

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devchain/devchain/node/controlapi"
)

// A refused dial proves the request never left; an answer that never comes
// proves nothing, and a payment must not be sent twice.
func TestNotSentOnlyForFailedDials(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	_, err = controlapi.NewClient(closed).Send(t.Context(), "a", "b", 1)
	if err == nil || !notSent(err) {
		t.Errorf("refused dial: notSent(%v) = false", err)
	}

	var requests atomic.Int32
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	defer close(release)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		<-release
	})}
	go srv.Serve(hang)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err = controlapi.NewClient(hang.Addr().String()).Send(ctx, "a", "b", 1)
	if err == nil || notSent(err) {
		t.Errorf("request sent, answer late: notSent(%v) = true", err)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("node got %d requests, want 1", n)
	}
}
