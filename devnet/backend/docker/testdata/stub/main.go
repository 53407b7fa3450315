// Command stub stands in for chaind in the docker runtime's tests: it takes
// chaind's command lines, serves /healthz on -rpc and accepts TCP on -port,
// and has a few commands to look at a container from inside (no shell in
// the image). It knows nothing of chains.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "stub:", err)
		os.Exit(1)
	}
}

// flag returns the value after -name or --name.
func flag(args []string, name string) string {
	for i, a := range args[:max(len(args)-1, 0)] {
		if a == "-"+name || a == "--"+name {
			return args[i+1]
		}
	}
	return ""
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("no command")
	}
	data := flag(args, "datadir")
	switch args[0] {
	case "startp2p", "bootstrap":
		return serve(args, data)
	case "healthcheck":
		c := http.Client{Timeout: 2 * time.Second}
		resp, err := c.Get("http://" + flag(args, "rpc") + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("healthz: %s", resp.Status)
		}
		return nil
	case "dial": // dial HOST:PORT
		c, err := net.DialTimeout("tcp", args[1], 2*time.Second)
		if err != nil {
			return fmt.Errorf("unreachable: %w", err)
		}
		c.Close()
		fmt.Println("ok")
		return nil
	case "write": // write NAME VALUE, into the data dir
		return os.WriteFile(filepath.Join(data, args[1]), []byte(args[2]), 0o644)
	case "read": // read NAME, from the data dir
		b, err := os.ReadFile(filepath.Join(data, args[1]))
		fmt.Print(string(b))
		return err
	case "cat": // cat PATH
		b, err := os.ReadFile(args[1])
		fmt.Print(string(b))
		return err
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func serve(args []string, data string) error {
	fmt.Println("stub: args", strings.Join(args, " "))
	fmt.Fprintln(os.Stderr, "stub: starting", args[0])
	f, err := os.OpenFile(filepath.Join(data, "starts"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintln(f, "start")
	f.Close()
	p2p, err := net.Listen("tcp", net.JoinHostPort(flag(args, "listen-host"), flag(args, "port")))
	if err != nil {
		return err
	}
	go func() {
		for {
			c, err := p2p.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, `{"ok": true}`)
	})
	rpc, err := net.Listen("tcp", flag(args, "rpc"))
	if err != nil {
		return err
	}
	go http.Serve(rpc, nil)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	fmt.Println("stub: stopping")
	return nil
}
