package runner

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/devchain/devchain/node/controlapi"
)

// display shows one status line per node while the runner waits: redrawn in
// place on a terminal, and on a pipe printed as plain lines when a node's
// line changes (at most every plainEvery per node, so CI logs stay short).
type display struct {
	w     io.Writer
	tty   bool
	drawn int // lines currently on screen (tty)
	last  map[string]string
	when  map[string]time.Time
}

const plainEvery = 5 * time.Second

func newDisplay(w io.Writer) *display {
	return &display{w: w, tty: isTerminal(w), last: map[string]string{}, when: map[string]time.Time{}}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// show draws the lines, one per node in names order.
func (d *display) show(names []string, lines map[string]string) {
	if d == nil || d.w == nil {
		return
	}
	if d.tty {
		var b strings.Builder
		if d.drawn > 0 {
			fmt.Fprintf(&b, "\x1b[%dA", d.drawn) // back to the first line
		}
		for _, n := range names {
			fmt.Fprintf(&b, "\x1b[2K  %s\n", lines[n])
		}
		d.drawn = len(names)
		io.WriteString(d.w, b.String())
		return
	}
	now := time.Now()
	for _, n := range names {
		if lines[n] != d.last[n] && now.Sub(d.when[n]) >= plainEvery {
			fmt.Fprintf(d.w, "  %s\n", lines[n])
			d.last[n], d.when[n] = lines[n], now
		}
	}
}

// clear removes the drawn block (tty) so the step log continues below.
func (d *display) clear() {
	if d == nil || !d.tty || d.drawn == 0 {
		return
	}
	fmt.Fprintf(d.w, "\x1b[%dA\x1b[J", d.drawn)
	d.drawn = 0
}

// statusLine renders a node's status for the display.
func statusLine(name string, st *controlapi.Status, err error, why string, width int) string {
	switch {
	case why != "":
		return fmt.Sprintf("%-*s %s", width, name, why)
	case err != nil:
		return fmt.Sprintf("%-*s not answering: %v", width, name, shortErr(err))
	case st.Role == "bootstrap":
		return fmt.Sprintf("%-*s bootstrap  peers %-3d", width, name, st.Peers)
	}
	return fmt.Sprintf("%-*s height %-5d peers %-3d tip %s via %s", width, name, st.Height, st.Peers, short(st.Tip), st.ConnectedVia)
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && len(s) > 60 {
		return s[i+2:]
	}
	return s
}
