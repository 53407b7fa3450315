package process

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Exec runs `chaind ARGS --datadir DIR --difficulty N`: through the node's
// RPC when it runs (chaind finds rpc.addr in the data dir), offline otherwise.
func (b *Backend) Exec(ctx context.Context, name string, args ...string) (string, error) {
	n, ns, err := b.lookup(name)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(ns.DataDir, 0o700); err != nil {
		return "", err
	}
	full := n.CommandArgv(ns.DataDir, args)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, b.opts.Chaind, full...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("node %s: chaind %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
