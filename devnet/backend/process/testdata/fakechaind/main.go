// Command fakechaind stands in for chaind in the process runtime's tests
// while the real node does not build: it takes chaind's flags, serves
// /healthz, /status and /admin/gate, exits on SIGTERM, and keeps wallets in
// a file for createwallet/listaddresses.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: fakechaind COMMAND [flags]")
		os.Exit(2)
	}
	flags := map[string]string{}
	args := os.Args[2:]
	for i := 0; i < len(args); i++ {
		k := strings.TrimLeft(args[i], "-")
		if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			flags[k] = args[i+1]
			i++
		} else {
			flags[k] = "true"
		}
	}
	dir := flags["datadir"]
	switch os.Args[1] {
	case "createwallet":
		f, err := os.OpenFile(filepath.Join(dir, "wallets"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintf(f, "%s addr-%s\n", flags["alias"], flags["alias"])
		f.Close()
		fmt.Println("addr-" + flags["alias"])
	case "listaddresses":
		raw, _ := os.ReadFile(filepath.Join(dir, "wallets"))
		os.Stdout.Write(raw)
	case "startp2p", "bootstrap":
		serve(os.Args[1], flags)
	default:
		fmt.Fprintln(os.Stderr, "fakechaind: unknown command", os.Args[1])
		os.Exit(2)
	}
}

func serve(cmd string, flags map[string]string) {
	if os.Getenv("FAKECHAIND_HANG") != "" {
		// A node that never answers: tests interrupt devnet while it waits.
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		return
	}
	l, err := net.Listen("tcp", flags["rpc"])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	addrFile := filepath.Join(flags["datadir"], "rpc.addr")
	os.WriteFile(addrFile, []byte(l.Addr().String()), 0o644)
	fmt.Printf("fakechaind %s listening rpc=%s p2p=%s bootstrap=%s\n", cmd, l.Addr(), flags["port"], flags["bootstrap"])
	role := map[string]string{"startp2p": "node", "bootstrap": "bootstrap"}[cmd]
	var deny []string
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"ok":true}`) })
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"role": role, "height": 0, "tip": "00", "peers": 1, "connected_via": "rendezvous"})
	})
	mux.HandleFunc("/admin/gate", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Deny []string }
		json.NewDecoder(r.Body).Decode(&in)
		deny = in.Deny
		fmt.Printf("gate deny=%s\n", strings.Join(deny, ","))
		json.NewEncoder(w).Encode(map[string]any{"deny": deny})
	})
	go http.Serve(l, mux)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	os.Remove(addrFile)
	fmt.Println("fakechaind: clean exit")
}
