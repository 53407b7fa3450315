// Package process runs a devnet's nodes as local chaind processes on
// loopback. Everything lives under the devnet's state dir (data dirs, logs,
// network key and process.json), so a later devnet invocation can show,
// follow, exec into and remove the nodes, also after devnet crashed.
package process

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/spec"
)

// StopGrace is how long Stop waits after SIGTERM before SIGKILL.
var StopGrace = 10 * time.Second

// Backend is the process backend.
type Backend struct {
	opts backend.Options
	log  *slog.Logger

	mu    sync.Mutex
	net   *spec.Network
	state *state
	token string // the devnet's control API token; "" for a devnet from before tokens

	// children counts the chaind processes this Backend started and has not
	// reaped yet: Down waits for them, so a devnet that exits right after
	// leaves no zombie behind for init to collect.
	children sync.WaitGroup
}

var (
	_ backend.Backend = (*Backend)(nil)
	_ backend.Tokener = (*Backend)(nil)
)

// Provider makes the process backend known to devnet. It runs wherever
// chaind runs, so it is always available: the fallback when no engine answers.
var Provider = backend.Provider{
	Name:      "process",
	Available: func(context.Context) error { return nil },
	New:       New,
}

// New returns a process backend for the devnet whose folder is opts.StateDir.
func New(opts backend.Options) (backend.Backend, error) {
	if opts.StateDir == "" {
		return nil, errors.New("process runtime: no state dir")
	}
	abs, err := filepath.Abs(opts.StateDir)
	if err != nil {
		return nil, err
	}
	opts.StateDir = abs
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Backend{opts: opts, log: opts.Log}, nil
}

func (b *Backend) Name() string { return Provider.Name }

// Close holds nothing to release: the nodes are processes of their own.
func (b *Backend) Close() error { return nil }

// Setup creates the state dir, writes the network key file (for a network
// whose nodes do not derive it from a seed) and gives every node two
// loopback ports. Ports of known nodes are kept: a restarted node must
// come back at the address its peers saved.
func (b *Backend) Setup(ctx context.Context, net *spec.Network) error {
	if err := os.MkdirAll(filepath.Join(b.opts.StateDir, "logs"), 0o755); err != nil {
		return fmt.Errorf("process runtime: %w", err)
	}
	if len(net.NetworkKey) > 0 {
		// Usually the runner made this very file already; either way a key
		// file that holds another key stays as it is (nodes that ran hold
		// it), and that is an error rather than a devnet split in two.
		have, err := backend.KeepNetworkKey(b.keyFile(), net.NetworkKey)
		if err != nil {
			return fmt.Errorf("process runtime: %w", err)
		}
		if !bytes.Equal(have, net.NetworkKey) {
			return fmt.Errorf("process runtime: %s holds another network key than devnet %s's", b.keyFile(), net.Name)
		}
	}
	token, err := backend.MakeToken(b.opts.StateDir)
	if err != nil {
		return fmt.Errorf("process runtime: %w", err)
	}
	st, err := loadState(b.opts.StateDir)
	if isNotExist(err) {
		st, err = &state{Name: net.Name, Nodes: map[string]*nodeState{}}, nil
	}
	if err != nil {
		return err
	}
	if b.opts.Chaind != "" {
		st.Chaind = b.opts.Chaind
	}
	if st.Chaind == "" {
		return errors.New("process runtime: no chaind binary (build it with `make chaind` or pass --chaind)")
	}
	var fresh []string
	for _, n := range net.Nodes {
		if st.Nodes[n.Name] == nil {
			fresh = append(fresh, n.Name)
		}
	}
	ports, err := freePorts(2 * len(fresh))
	if err != nil {
		return err
	}
	for i, name := range fresh {
		st.Nodes[name] = &nodeState{
			P2PPort: ports[2*i],
			RPCPort: ports[2*i+1],
			DataDir: filepath.Join(b.opts.StateDir, name),
			Log:     filepath.Join(b.opts.StateDir, "logs", name+".log"),
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.net, b.state, b.token = net, st, token
	return st.save(b.opts.StateDir)
}

// Attach loads the state a previous invocation left; it creates nothing.
func (b *Backend) Attach(ctx context.Context, net *spec.Network) error {
	st, err := loadState(b.opts.StateDir)
	if isNotExist(err) {
		return fmt.Errorf("no process devnet %q in %s", net.Name, b.opts.StateDir)
	}
	if err != nil {
		return err
	}
	if b.opts.Chaind == "" {
		b.opts.Chaind = st.Chaind
	}
	token, err := backend.ReadToken(b.opts.StateDir)
	if err != nil {
		return fmt.Errorf("process runtime: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.net, b.state, b.token = net, st, token
	return nil
}

// RPCToken is the token the devnet's nodes were started with.
func (b *Backend) RPCToken() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.token
}

func (b *Backend) keyFile() string { return filepath.Join(b.opts.StateDir, backend.NetworkKeyFile) }

// lookup returns a node's description and state under b.mu.
func (b *Backend) lookup(name string) (spec.Node, *nodeState, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.net == nil {
		return spec.Node{}, nil, errors.New("process runtime: Setup or Attach first")
	}
	for _, n := range b.net.Nodes {
		if n.Name == name {
			if ns := b.state.Nodes[name]; ns != nil {
				return n, ns, nil
			}
		}
	}
	return spec.Node{}, nil, fmt.Errorf("devnet %s has no node %q", b.net.Name, name)
}

func (b *Backend) setPID(name string, pid int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.state.Nodes[name].PID = pid
	return b.state.save(b.opts.StateDir)
}

// argv is the node's launch placed on this host.
func (b *Backend) argv(n spec.Node, ns *nodeState) ([]string, error) {
	p := spec.Placement{
		DataDir:    ns.DataDir,
		ListenHost: "127.0.0.1",
		P2PPort:    ns.P2PPort,
		RPCAddr:    "127.0.0.1:" + strconv.Itoa(ns.RPCPort),
	}
	if n.NetworkSeed == "" {
		// Without its key file chaind would take its public default key:
		// the node would never meet the devnet, and strangers could.
		if _, err := os.Stat(b.keyFile()); err != nil {
			return nil, fmt.Errorf("process runtime: node %s has no network seed and no key file: %w", n.Name, err)
		}
		p.NetworkKey = b.keyFile()
	}
	if b.RPCToken() != "" {
		p.RPCTokenFile = filepath.Join(b.opts.StateDir, backend.TokenFile)
	}
	for _, boot := range n.Bootstrap {
		addr, err := b.Multiaddr(boot)
		if err != nil {
			return nil, err
		}
		p.Bootstrap = append(p.Bootstrap, addr)
	}
	return n.Argv(p), nil
}

func (b *Backend) Endpoint(name string) (string, error) {
	_, ns, err := b.lookup(name)
	if err != nil {
		return "", err
	}
	return "http://127.0.0.1:" + strconv.Itoa(ns.RPCPort), nil
}

func (b *Backend) Multiaddr(name string) (string, error) {
	n, ns, err := b.lookup(name)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("/ip4/127.0.0.1/tcp/%d/p2p/%s", ns.P2PPort, n.PeerID), nil
}

// Running tells whether the node's process is alive (status display).
func (b *Backend) Running(name string) bool {
	_, ns, err := b.lookup(name)
	return err == nil && alive(ns.PID, ns.DataDir)
}
