// Package cli holds the cobra commands of chaind. Each command is thin: it
// parses flags and calls the node packages. The data-dir commands ask a
// dataNode (node.go), which is the node running on the data dir or, when
// none runs, the data dir itself.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/wallet"
)

// commands builds every subcommand, in the order help lists them.
var commands = []func(*Env) *cobra.Command{
	newCreateWalletCmd,
	newListAddressesCmd,
	newGetBalanceCmd,
	newSendCmd,
	newPrintChainCmd,
	newReindexUTXOCmd,
	newMintCmd,
	newStartP2PCmd,
	newBootstrapCmd,
	newHealthcheckCmd,
}

// Env is what every command shares: the global flags and the process's
// environment.
type Env struct {
	DataDirFlag string
	Difficulty  uint32
	LogFormat   string
	LogLevel    string
	Getenv      func(string) string

	difficultySet bool // --difficulty or CHAIND_DIFFICULTY given
}

// ErrNodeRunning is wrapped when a running node holds the data dir.
var ErrNodeRunning = errors.New("node is running")

// DataDir is --datadir, or ./data/node-$NODE_ID.
func (e *Env) DataDir() (string, error) {
	if e.DataDirFlag != "" {
		return e.DataDirFlag, nil
	}
	id := e.Getenv("NODE_ID")
	if id == "" {
		return "", errors.New("no data dir: pass --datadir DIR or set NODE_ID")
	}
	if strings.ContainsAny(id, `/\`) || id == ".." {
		return "", fmt.Errorf("NODE_ID %q: must not contain a path separator", id)
	}
	return filepath.Join("data", "node-"+id), nil
}

// Params are the network parameters from --difficulty.
func (e *Env) Params() chain.Params { return chain.DefaultParams().WithBits(e.Difficulty) }

// OpenChain opens the data dir's chain. Without an explicit difficulty an
// existing data dir keeps its own; with one that differs it is refused. A
// data dir held by a running node gives ErrNodeRunning at once.
func (e *Env) OpenChain() (*blockchain.Chain, error) {
	dir, err := e.DataDir()
	if err != nil {
		return nil, err
	}
	var c *blockchain.Chain
	if e.difficultySet {
		c, err = blockchain.Open(dir, e.Params())
	} else {
		c, err = blockchain.OpenAdopting(dir, e.Params())
	}
	if errors.Is(err, blockchain.ErrLocked) {
		return nil, fmt.Errorf("%w on %s (its chain database is locked); stop it or use its RPC", ErrNodeRunning, dir)
	}
	return c, err
}

// OpenWallets loads the data dir's wallet file.
func (e *Env) OpenWallets() (*wallet.Wallets, error) {
	dir, err := e.DataDir()
	if err != nil {
		return nil, err
	}
	return wallet.Open(dir)
}

// withChain opens the chain for fn and closes it after.
func (e *Env) withChain(fn func(*blockchain.Chain) error) error {
	c, err := e.OpenChain()
	if err != nil {
		return err
	}
	err = fn(c)
	if cerr := c.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close chain: %w", cerr)
	}
	return err
}

// NewRoot builds the chaind command tree.
func NewRoot(getenv func(string) string) *cobra.Command {
	e := &Env{Getenv: getenv}
	root := &cobra.Command{
		Use:           "chaind",
		Short:         "chaind is the devchain node: a small proof-of-work UTXO chain",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			e.difficultySet = cmd.Flags().Changed("difficulty")
			if !e.difficultySet {
				if v := getenv("CHAIND_DIFFICULTY"); v != "" {
					n, err := strconv.ParseUint(v, 10, 32)
					if err != nil || n > chain.MaxBits {
						return fmt.Errorf("CHAIND_DIFFICULTY=%q: want 0..%d", v, chain.MaxBits)
					}
					e.Difficulty, e.difficultySet = uint32(n), true
				}
			}
			if e.Difficulty > chain.MaxBits {
				return fmt.Errorf("--difficulty %d: at most %d", e.Difficulty, chain.MaxBits)
			}
			return setupLogging(cmd.ErrOrStderr(), e.LogFormat, e.LogLevel)
		},
	}
	f := root.PersistentFlags()
	f.StringVar(&e.DataDirFlag, "datadir", "", "data dir (default ./data/node-$NODE_ID)")
	f.Uint32Var(&e.Difficulty, "difficulty", chain.DefaultBits, "leading zero bits of a block hash: the network (env CHAIND_DIFFICULTY)")
	f.StringVar(&e.LogFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&e.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	for _, mk := range commands {
		root.AddCommand(mk(e))
	}
	return root
}

// Run parses args (without the program name) and runs the command; ctx
// ends long commands (mint) early.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	root := NewRoot(getenv)
	root.SetArgs(NormalizeArgs(args))
	root.SetOut(stdout)
	root.SetErr(stderr)
	return root.ExecuteContext(ctx)
}

// Main is what cmd/chaind runs: exit status 1 and "chaind: <error>" on
// failure. SIGINT and SIGTERM end the command's context.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "chaind: %v\n", err)
		return 1
	}
	return 0
}

func setupLogging(w io.Writer, format, level string) error {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		slog.SetDefault(slog.New(slog.NewTextHandler(w, opts)))
	case "json":
		slog.SetDefault(slog.New(slog.NewJSONHandler(w, opts)))
	default:
		return fmt.Errorf("--log-format %q: want text or json", format)
	}
	return nil
}
