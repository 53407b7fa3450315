// Command fakechaind stands in for chaind, the node, in devnet's tests. It
// takes chaind's command lines as devnet/spec.Node.Argv and CommandArgv write
// them and answers like a node that has no chain: it builds in seconds, as a
// static binary, starts in milliseconds and needs no mining, so the tests of
// the process and docker backends, of the devnet CLI and of compose check
// the orchestration alone.
//
// Node commands, startp2p and bootstrap: the node accepts TCP connections
// on --listen-host:-port (its p2p port) and serves on -rpc the control API
// routes devnet calls: /healthz, /status (a node of height 0 with one peer)
// and /admin/gate (each gate is logged as "gate deny=PEER,..."; with
// --rpc-token-file FILE it wants FILE's token, as chaind does). It writes
// its -rpc address to rpc.addr in the data dir, appends "start" to the file
// starts there (tests count restarts on one volume), and on SIGTERM or
// SIGINT removes rpc.addr and exits 0. With FAKECHAIND_HANG set in its
// environment it only waits for that signal: a node that never answers.
//
// Wallet commands, on the file wallets in the data dir: createwallet -alias
// NAME (prints addr-NAME) and listaddresses.
//
// Commands that look at a container from inside, where the FROM-scratch test
// image has no shell: healthcheck -rpc ADDR (exit 0 when /healthz answers),
// dial HOST:PORT (prints ok), write NAME VALUE and read NAME (a file of the
// data dir), cat PATH.
//
// Every command accepts the flags devnet appends to each (--datadir DIR,
// --difficulty N). Errors go to stderr, with exit status 1.
package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "fakechaind:", err)
		os.Exit(1)
	}
}

// cmdline is a chaind command line after the binary name.
type cmdline struct {
	argv  []string          // all of it, as given
	name  string            // the command
	flags map[string]string // -name VALUE or --name VALUE; the last one counts
	args  []string          // the words that are no flag and no flag's value
}

// parse reads argv the way chaind's commands are written: a flag takes the
// word after it as its value unless that word is a flag too (then, or at
// the end, the flag is "true").
func parse(argv []string) (cmdline, error) {
	if len(argv) == 0 {
		return cmdline{}, errors.New("usage: fakechaind COMMAND [ARGS] [FLAGS]")
	}
	c := cmdline{argv: argv, name: argv[0], flags: map[string]string{}}
	for i := 1; i < len(argv); i++ {
		word := argv[i]
		if !strings.HasPrefix(word, "-") {
			c.args = append(c.args, word)
			continue
		}
		value := "true"
		if i+1 < len(argv) && !strings.HasPrefix(argv[i+1], "-") {
			value = argv[i+1]
			i++
		}
		c.flags[strings.TrimLeft(word, "-")] = value
	}
	return c, nil
}

// arg returns the n-th positional argument, or an error naming the usage.
func (c cmdline) arg(n int, usage string) (string, error) {
	if n >= len(c.args) {
		return "", fmt.Errorf("usage: %s %s", c.name, usage)
	}
	return c.args[n], nil
}

// inData is the path of name in the data dir.
func (c cmdline) inData(name string) string { return filepath.Join(c.flags["datadir"], name) }

func run(argv []string) error {
	c, err := parse(argv)
	if err != nil {
		return err
	}
	switch c.name {
	case "startp2p", "bootstrap":
		return serve(c)
	case "createwallet":
		return createWallet(c)
	case "listaddresses":
		if err := cat(c.inData(walletsFile)); !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil // no wallet yet
	case "healthcheck":
		return healthcheck(c.flags["rpc"])
	case "dial":
		addr, err := c.arg(0, "HOST:PORT")
		if err != nil {
			return err
		}
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			return fmt.Errorf("unreachable: %w", err)
		}
		conn.Close()
		fmt.Println("ok")
		return nil
	case "write":
		name, err := c.arg(0, "NAME VALUE")
		if err != nil {
			return err
		}
		value, err := c.arg(1, "NAME VALUE")
		if err != nil {
			return err
		}
		return os.WriteFile(c.inData(name), []byte(value), 0o644)
	case "read":
		name, err := c.arg(0, "NAME")
		if err != nil {
			return err
		}
		return cat(c.inData(name))
	case "cat":
		path, err := c.arg(0, "PATH")
		if err != nil {
			return err
		}
		return cat(path)
	}
	return fmt.Errorf("unknown command %q", c.name)
}

// walletsFile holds one "ALIAS ADDRESS" line a wallet, in the data dir.
const walletsFile = "wallets"

func createWallet(c cmdline) error {
	alias := c.flags["alias"]
	if alias == "" {
		return errors.New("createwallet: -alias is required")
	}
	f, err := os.OpenFile(c.inData(walletsFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	addr := "addr-" + alias
	if _, err := fmt.Fprintf(f, "%s %s\n", alias, addr); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Println(addr)
	return nil
}

func cat(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(raw)
	return err
}
