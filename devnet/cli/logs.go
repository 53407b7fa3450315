package cli

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/spf13/cobra"
)

func newLogsCommand(g *globals) *cobra.Command {
	var name string
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs [-f] [NODE...]",
		Short: "Print the nodes' logs, each line prefixed with its node",
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := g.open(cmd.Context(), name)
			if err != nil {
				return err
			}
			defer d.be.Close()
			nodes, err := d.nodeNames(args)
			if err != nil {
				return err
			}
			width := 0
			for _, n := range nodes {
				width = max(width, len(n))
			}
			var mu sync.Mutex
			var wg sync.WaitGroup
			errs := make([]error, len(nodes))
			for i, n := range nodes {
				wg.Go(func() {
					w := &prefixWriter{prefix: fmt.Sprintf("%-*s | ", width, n), out: g.out, mu: &mu}
					errs[i] = d.be.Logs(cmd.Context(), n, follow, w)
					w.flush()
				})
			}
			wg.Wait()
			if cmd.Context().Err() != nil {
				return nil // Ctrl-C ends -f
			}
			for i, err := range errs {
				if err != nil {
					return fmt.Errorf("logs of %s: %w", nodes[i], err)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "devnet name (default: the only one)")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new lines")
	return cmd
}

// prefixWriter writes whole lines, each prefixed, under a mutex shared by
// every node so lines of different nodes never interleave.
type prefixWriter struct {
	prefix string
	out    io.Writer
	mu     *sync.Mutex
	buf    []byte
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.emit(w.buf[:i+1])
		w.buf = w.buf[i+1:]
	}
}

func (w *prefixWriter) flush() {
	if len(w.buf) > 0 {
		w.emit(append(w.buf, '\n'))
		w.buf = nil
	}
}

func (w *prefixWriter) emit(line []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	io.WriteString(w.out, w.prefix)
	w.out.Write(line)
}
