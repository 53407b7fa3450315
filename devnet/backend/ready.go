package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/devchain/devchain/node/controlapi"
)

// AnswerTimeout bounds how long Start and Unpause wait for a node's control
// API: a node opens it within a second or two even on a loaded machine, so
// a minute means it is stuck.
const AnswerTimeout = 60 * time.Second

// LogTailLines is how much of a node's log an error about its start shows.
const LogTailLines = 20

// WaitAnswering returns once the control API at endpoint answers /healthz.
// It fails when exited yields first (the node's process or container ended;
// nil channel: not watched) or after AnswerTimeout, with the last lines of
// the node's log from tail, so the error says why.
func WaitAnswering(ctx context.Context, name, endpoint string, exited <-chan error, tail func() string) error {
	c := controlapi.NewClient(endpoint)
	ctx, cancel := context.WithTimeout(ctx, AnswerTimeout)
	defer cancel()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		hctx, hcancel := context.WithTimeout(ctx, 5*time.Second)
		err := c.Healthz(hctx)
		hcancel()
		if err == nil {
			return nil
		}
		select {
		case why := <-exited:
			return fmt.Errorf("node %s exited at start (%v); last lines of its log:\n%s", name, why, indent(tail()))
		case <-ctx.Done():
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("node %s: interrupted while waiting for its control API %s: %w", name, endpoint, ctx.Err())
			}
			return fmt.Errorf("node %s: control API %s did not answer within %s (%v); last lines of its log:\n%s",
				name, endpoint, AnswerTimeout, err, indent(tail()))
		case <-t.C:
		}
	}
}

// Tail is the last n lines of a log.
func Tail(log string, n int) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }
