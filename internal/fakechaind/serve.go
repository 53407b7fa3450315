package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// serve runs a node (startp2p or bootstrap) until SIGTERM or SIGINT.
func serve(c cmdline) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if os.Getenv("FAKECHAIND_HANG") != "" {
		// A node that never answers: tests interrupt devnet while it waits.
		<-ctx.Done()
		return nil
	}
	if err := recordStart(c); err != nil {
		return err
	}
	p2p, err := net.Listen("tcp", net.JoinHostPort(c.flags["listen-host"], c.flags["port"]))
	if err != nil {
		return err
	}
	defer p2p.Close()
	go acceptAndClose(p2p)
	rpc, err := net.Listen("tcp", c.flags["rpc"])
	if err != nil {
		return err
	}
	defer rpc.Close()
	addrFile := c.inData("rpc.addr")
	if err := os.WriteFile(addrFile, []byte(rpc.Addr().String()), 0o644); err != nil {
		return err
	}
	defer os.Remove(addrFile)

	// The devnet CLI's tests want a node's log to begin with this line.
	fmt.Printf("fakechaind %s listening rpc=%s p2p=%s bootstrap=%s\n", c.name, rpc.Addr(), p2p.Addr(), c.flags["bootstrap"])
	// The docker backend's tests read the command line back from the
	// container's log, and this line on stderr tells them the log has both
	// streams.
	fmt.Fprintln(os.Stderr, "fakechaind: starting", strings.Join(c.argv, " "))

	token := ""
	if file := c.flags["rpc-token-file"]; file != "" {
		raw, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if token = strings.TrimSpace(string(raw)); token == "" {
			return fmt.Errorf("rpc token file %s is empty", file)
		}
	}
	go http.Serve(rpc, controlAPI(c.name, token))
	<-ctx.Done()
	fmt.Println("fakechaind: clean exit")
	return nil
}

// recordStart appends a line to the data dir's starts file, one a start.
func recordStart(c cmdline) error {
	f, err := os.OpenFile(c.inData("starts"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(f, "start"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// acceptAndClose takes the p2p port's connections: peers reach the node,
// and nothing more.
func acceptAndClose(l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		conn.Close()
	}
}

// controlAPI serves the routes devnet calls on a node of command cmd. With
// a token, /admin/gate wants it as chaind does (Authorization: Bearer), so
// the tests see devnet send it.
func controlAPI(cmd, token string) http.Handler {
	role := map[string]string{"startp2p": "node", "bootstrap": "bootstrap"}[cmd]
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, map[string]any{"ok": true})
	})
	mux.HandleFunc("/status", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, map[string]any{"role": role, "height": 0, "tip": "00", "peers": 1, "connected_via": "rendezvous"})
	})
	mux.HandleFunc("/admin/gate", func(w http.ResponseWriter, r *http.Request) {
		if token != "" && r.Header.Get("Authorization") != "Bearer "+token {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error": "missing or wrong token"})
			return
		}
		var gate struct{ Deny []string }
		if err := json.NewDecoder(r.Body).Decode(&gate); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// The process backend's tests read the gates from the log.
		fmt.Printf("gate deny=%s\n", strings.Join(gate.Deny, ","))
		reply(w, map[string]any{"deny": gate.Deny})
	})
	return mux
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// healthcheck succeeds when the control API at addr answers /healthz.
func healthcheck(addr string) error {
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var health struct{ OK bool }
	if err := json.NewDecoder(resp.Body).Decode(&health); err != nil || !health.OK {
		return fmt.Errorf("%s/healthz: %s, not ok", addr, resp.Status)
	}
	return nil
}
