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
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/devchain/devchain/devnet/runtime"
	"github.com/devchain/devchain/node/rpc"
)

// StopGrace is how long Stop waits after SIGTERM before SIGKILL.
var StopGrace = 10 * time.Second

// startTimeout bounds the wait for a started node's control API.
const startTimeout = 60 * time.Second

// requestTimeout bounds one call to a node's control API.
const requestTimeout = 5 * time.Second

// Runtime is the process backend.
type Runtime struct {
	opts runtime.Options
	log  *slog.Logger

	mu    sync.Mutex
	net   *runtime.Network
	state *state
}

var _ runtime.Runtime = (*Runtime)(nil)
var _ runtime.Attacher = (*Runtime)(nil)

// New returns a process backend for the devnet whose folder is opts.StateDir.
func New(opts runtime.Options) (runtime.Runtime, error) {
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
	return &Runtime{opts: opts, log: opts.Log}, nil
}

func (r *Runtime) Name() string { return "process" }

// Setup creates the state dir, writes the network key and gives every node
// two loopback ports. Ports of known nodes are kept: a restarted node must
// come back at the address its peers saved.
func (r *Runtime) Setup(ctx context.Context, net *runtime.Network) error {
	if err := os.MkdirAll(filepath.Join(r.opts.StateDir, "logs"), 0o755); err != nil {
		return fmt.Errorf("process runtime: %w", err)
	}
	if err := os.WriteFile(r.keyFile(), net.NetworkKey, 0o600); err != nil {
		return fmt.Errorf("process runtime: network key: %w", err)
	}
	st, err := loadState(r.opts.StateDir)
	if isNotExist(err) {
		st, err = &state{Name: net.Name, Nodes: map[string]*nodeState{}}, nil
	}
	if err != nil {
		return err
	}
	if r.opts.Chaind != "" {
		st.Chaind = r.opts.Chaind
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
			DataDir: filepath.Join(r.opts.StateDir, name),
			Log:     filepath.Join(r.opts.StateDir, "logs", name+".log"),
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.net, r.state = net, st
	return st.save(r.opts.StateDir)
}

// Attach loads the state a previous invocation left; it creates nothing.
func (r *Runtime) Attach(ctx context.Context, net *runtime.Network) error {
	st, err := loadState(r.opts.StateDir)
	if isNotExist(err) {
		return fmt.Errorf("no process devnet %q in %s", net.Name, r.opts.StateDir)
	}
	if err != nil {
		return err
	}
	if r.opts.Chaind == "" {
		r.opts.Chaind = st.Chaind
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.net, r.state = net, st
	return nil
}

func (r *Runtime) keyFile() string { return filepath.Join(r.opts.StateDir, "network.key") }

// lookup returns a node's description and state under r.mu.
func (r *Runtime) lookup(name string) (runtime.Node, *nodeState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.net == nil {
		return runtime.Node{}, nil, errors.New("process runtime: Setup or Attach first")
	}
	for _, n := range r.net.Nodes {
		if n.Name == name {
			if ns := r.state.Nodes[name]; ns != nil {
				return n, ns, nil
			}
		}
	}
	return runtime.Node{}, nil, fmt.Errorf("devnet %s has no node %q", r.net.Name, name)
}

func (r *Runtime) setPID(name string, pid int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.state.Nodes[name].PID = pid
	return r.state.save(r.opts.StateDir)
}

// args are the node's chaind arguments with what depends on this host added.
func (r *Runtime) args(n runtime.Node, ns *nodeState) ([]string, error) {
	args := append(slices.Clone(n.Args), r.dataArgs(n, ns)...)
	args = append(args,
		"--network-key", r.keyFile(),
		"--identity-seed", n.IdentitySeed,
		"--listen-host", "127.0.0.1",
		"-port", strconv.Itoa(ns.P2PPort),
		"-rpc", "127.0.0.1:"+strconv.Itoa(ns.RPCPort),
	)
	for _, b := range n.Bootstrap {
		addr, err := r.Multiaddr(b)
		if err != nil {
			return nil, err
		}
		args = append(args, "-bootstrap", addr)
	}
	return args, nil
}

func (r *Runtime) dataArgs(n runtime.Node, ns *nodeState) []string {
	return []string{"--datadir", ns.DataDir, "--difficulty", strconv.FormatUint(uint64(n.Difficulty), 10)}
}

// Start starts the node unless it runs, and returns once its control API
// answers (or with the tail of its log when it exits first).
func (r *Runtime) Start(ctx context.Context, name string) error {
	n, ns, err := r.lookup(name)
	if err != nil {
		return err
	}
	if alive(ns.PID, ns.DataDir) {
		return nil
	}
	args, err := r.args(n, ns)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(ns.DataDir, 0o700); err != nil {
		return err
	}
	logf, err := os.OpenFile(ns.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(r.opts.Chaind, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = nodeEnv(os.Environ(), len(r.net.Nodes))
	// Own process group: a Ctrl-C on devnet's terminal must not reach the
	// nodes; devnet decides whether to tear them down.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("node %s: starting %s: %w", name, r.opts.Chaind, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // reaps the child; no zombies while devnet runs
	if err := r.setPID(name, cmd.Process.Pid); err != nil {
		return err
	}
	r.log.Debug("started", "node", name, "pid", cmd.Process.Pid, "args", strings.Join(args, " "))
	if err := r.waitHealthy(ctx, name, exited); err != nil {
		return err
	}
	r.mu.Lock()
	sides := r.state.Partition
	r.mu.Unlock()
	if sides != nil {
		return r.gate(ctx, sides, name)
	}
	return nil
}

// nodeEnv is a node's environment: with more nodes than CPUs, each Go
// runtime gets one P (unless GOMAXPROCS is set). Dozens of runtimes each
// spinning threads over every core to look for work cost more than they
// gain: 50 nodes started in 5.6 s instead of 9.6 s and idled at 0.6 instead
// of 0.9 cores on a 2-core machine.
func nodeEnv(env []string, nodes int) []string {
	if nodes <= goruntime.NumCPU() {
		return env
	}
	for _, kv := range env {
		if strings.HasPrefix(kv, "GOMAXPROCS=") {
			return env
		}
	}
	return append(env, "GOMAXPROCS=1")
}

func (r *Runtime) waitHealthy(ctx context.Context, name string, exited <-chan error) error {
	url, err := r.Endpoint(name)
	if err != nil {
		return err
	}
	c := rpc.NewClient(url)
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("node %s exited at start (%v); log tail:\n%s", name, err, r.logTail(name, 20))
		case <-ctx.Done():
			return fmt.Errorf("node %s: control API %s did not answer: %w", name, url, ctx.Err())
		case <-t.C:
		}
		hctx, hcancel := context.WithTimeout(ctx, requestTimeout)
		err := c.Healthz(hctx)
		hcancel()
		if err == nil {
			return nil
		}
	}
}

func (r *Runtime) logTail(name string, lines int) string {
	_, ns, err := r.lookup(name)
	if err != nil {
		return err.Error()
	}
	raw, _ := os.ReadFile(ns.Log)
	all := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// Stop sends SIGTERM, then SIGKILL after StopGrace.
func (r *Runtime) Stop(ctx context.Context, name string) error {
	return r.signalStop(ctx, name, func(pid int, dir string) error { return terminate(ctx, pid, dir, StopGrace) })
}

// Kill sends SIGKILL.
func (r *Runtime) Kill(ctx context.Context, name string) error {
	return r.signalStop(ctx, name, func(pid int, dir string) error { return kill(ctx, pid, dir) })
}

func (r *Runtime) signalStop(ctx context.Context, name string, stop func(pid int, dataDir string) error) error {
	_, ns, err := r.lookup(name)
	if err != nil {
		return err
	}
	if err := stop(ns.PID, ns.DataDir); err != nil {
		return fmt.Errorf("node %s: %w", name, err)
	}
	return r.setPID(name, 0)
}

// Pause freezes the node (SIGSTOP) and returns once it is frozen: its
// sockets stay open but it answers nothing.
func (r *Runtime) Pause(ctx context.Context, name string) error {
	return r.signal(ctx, name, syscall.SIGSTOP, true)
}

// Unpause resumes a paused node (SIGCONT).
func (r *Runtime) Unpause(ctx context.Context, name string) error {
	return r.signal(ctx, name, syscall.SIGCONT, false)
}

func (r *Runtime) signal(ctx context.Context, name string, sig syscall.Signal, stopped bool) error {
	_, ns, err := r.lookup(name)
	if err != nil {
		return err
	}
	if !alive(ns.PID, ns.DataDir) {
		return fmt.Errorf("node %s is not running", name)
	}
	if err := syscall.Kill(ns.PID, sig); err != nil {
		return fmt.Errorf("node %s: %w", name, err)
	}
	return waitStopped(ctx, ns.PID, stopped)
}

// Exec runs `chaind ARGS --datadir DIR --difficulty N`: through the node's
// RPC when it runs (chaind finds rpc.addr in the data dir), offline otherwise.
func (r *Runtime) Exec(ctx context.Context, name string, args ...string) (string, error) {
	n, ns, err := r.lookup(name)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(ns.DataDir, 0o700); err != nil {
		return "", err
	}
	full := append(slices.Clone(args), r.dataArgs(n, ns)...)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, r.opts.Chaind, full...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("node %s: chaind %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

func (r *Runtime) Endpoint(name string) (string, error) {
	_, ns, err := r.lookup(name)
	if err != nil {
		return "", err
	}
	return "http://127.0.0.1:" + strconv.Itoa(ns.RPCPort), nil
}

func (r *Runtime) Multiaddr(name string) (string, error) {
	n, ns, err := r.lookup(name)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("/ip4/127.0.0.1/tcp/%d/p2p/%s", ns.P2PPort, n.PeerID), nil
}

// Logs copies the node's log file; with follow it keeps copying what is
// appended until ctx ends.
func (r *Runtime) Logs(ctx context.Context, name string, follow bool, w io.Writer) error {
	_, ns, err := r.lookup(name)
	if err != nil {
		return err
	}
	f, err := os.Open(ns.Log)
	if isNotExist(err) && !follow {
		return nil // never started: no log yet
	}
	if err != nil {
		return err
	}
	defer f.Close()
	for {
		if _, err := io.Copy(w, f); err != nil {
			return err
		}
		if !follow {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Partition makes every node of a side refuse the peers of the other sides
// (POST /admin/gate). Nodes started later get the same gate.
func (r *Runtime) Partition(ctx context.Context, sides [][]string) error {
	r.mu.Lock()
	r.state.Partition = sides
	err := r.state.save(r.opts.StateDir)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	var errs []error
	for _, side := range sides {
		for _, name := range side {
			errs = append(errs, r.gate(ctx, sides, name))
		}
	}
	return errors.Join(errs...)
}

// Heal clears every gate the partition set.
func (r *Runtime) Heal(ctx context.Context) error {
	r.mu.Lock()
	sides := r.state.Partition
	r.state.Partition = nil
	err := r.state.save(r.opts.StateDir)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	var errs []error
	for _, side := range sides {
		for _, name := range side {
			errs = append(errs, r.setGate(ctx, name, []string{}))
		}
	}
	return errors.Join(errs...)
}

// gate applies the partition to one node: it denies every node of the
// other sides. A node in no side or not running is left alone.
func (r *Runtime) gate(ctx context.Context, sides [][]string, name string) error {
	var deny []string
	in := false
	for _, side := range sides {
		if slices.Contains(side, name) {
			in = true
			continue
		}
		for _, other := range side {
			n, _, err := r.lookup(other)
			if err != nil {
				return err
			}
			deny = append(deny, n.PeerID)
		}
	}
	if !in {
		return nil
	}
	return r.setGate(ctx, name, deny)
}

func (r *Runtime) setGate(ctx context.Context, name string, deny []string) error {
	_, ns, err := r.lookup(name)
	if err != nil {
		return err
	}
	if !alive(ns.PID, ns.DataDir) {
		return nil
	}
	url, _ := r.Endpoint(name)
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	if _, err := rpc.NewClient(url).Gate(ctx, deny); err != nil {
		return fmt.Errorf("node %s: gate: %w", name, err)
	}
	return nil
}

// Down stops every node (concurrently: each may take StopGrace) and removes
// the state dir.
func (r *Runtime) Down(ctx context.Context) error {
	st, err := loadState(r.opts.StateDir)
	if isNotExist(err) {
		return os.RemoveAll(r.opts.StateDir)
	}
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, 0, len(st.Nodes))
	var mu sync.Mutex
	for name, ns := range st.Nodes {
		wg.Go(func() {
			if err := terminate(ctx, ns.PID, ns.DataDir, StopGrace); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("node %s: %w", name, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return os.RemoveAll(r.opts.StateDir)
}

// Running tells whether the node's process is alive (status display).
func (r *Runtime) Running(name string) bool {
	_, ns, err := r.lookup(name)
	return err == nil && alive(ns.PID, ns.DataDir)
}
