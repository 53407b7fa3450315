package agent

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moby/moby/client"
)

// Main runs the agent with args (without the program name), logging to
// stderr, until SIGTERM or SIGINT, and returns the process exit code.
func Main(args []string, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if err := run(args, log); err != nil {
		log.Error("agent stopped", "err", err)
		return 1
	}
	return 0
}

func run(args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("devnet-agent", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	devnet := fs.String("devnet", "", "the devnet whose containers and volumes it acts on (required)")
	tokenFile := fs.String("token-file", "", "file holding the devnet's control API token (required)")
	nodeImage := fs.String("node-image", "", "the only image offline commands may run: the devnet's node image (required)")
	listen := fs.String("listen", ":"+strconv.Itoa(Port), "address to listen on")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("flags: %w", err)
	}
	if *devnet == "" || *tokenFile == "" || *nodeImage == "" {
		return errors.New("flags: -devnet, -token-file and -node-image are required")
	}
	raw, err := os.ReadFile(*tokenFile)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	token := strings.TrimSpace(string(raw))
	if token == "" {
		return fmt.Errorf("token: %s is empty", *tokenFile)
	}
	host, err := os.Hostname()
	if err != nil {
		return fmt.Errorf("hostname: %w", err)
	}
	c, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return fmt.Errorf("engine client: %w", err)
	}
	defer c.Close()
	log = log.With("devnet", *devnet)
	srv := &http.Server{
		Handler: (&Server{Devnet: *devnet, Token: token, NodeImage: *nodeImage, Host: host, Engine: &DockerEngine{Client: c, Log: log}, Log: log}).Handler(),
		// No write timeout: an offline command may run for minutes; the
		// caller's context bounds it.
		ReadHeaderTimeout: 10 * time.Second,
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	log.Info("agent listening", "addr", ln.Addr().String(), "engine", c.DaemonHost(), "host", host)
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
