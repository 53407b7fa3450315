package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/devchain/devchain/internal/fanout"
)

// teardownTimeout bounds artefact collection and removal once the run's
// own context is gone (Ctrl-C).
const teardownTimeout = 2 * time.Minute

// teardown runs after a failure or an interruption: it keeps the
// artefacts and removes the devnet unless Keep (an interrupted run is
// always removed: the user asked it to stop).
func (r *Runner) teardown(ctx context.Context, cause error) {
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
	defer cancel()
	r.steps.printf("FAILED: %s", firstLine(cause.Error()))
	if r.Artifacts != "" {
		if err := r.CollectArtifacts(tctx, r.Artifacts); err != nil {
			r.steps.printf("artefacts: %v", err)
		} else {
			r.steps.printf("artefacts in %s", r.Artifacts)
		}
	}
	if r.Keep && ctx.Err() == nil {
		r.steps.printf("--keep: devnet %s left running; `devnet down %s` removes it", r.Net.Name, r.Net.Name)
		return
	}
	if err := r.Down(tctx); err != nil {
		r.steps.printf("teardown: %v", err)
	}
}

// Down removes the devnet and its record.
func (r *Runner) Down(ctx context.Context) error {
	r.steps.printf("removing devnet %s", r.Net.Name)
	if err := r.Backend.Down(ctx); err != nil {
		return fmt.Errorf("down: %w", err)
	}
	return r.Store.Remove(r.Net.Name)
}

// CollectArtifacts writes every node's log (<node>.log), its /status
// (<node>.status.json, or the error that came instead) and the step log
// (steps.log) into dir.
func (r *Runner) CollectArtifacts(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var names []string
	for _, n := range r.Net.Nodes {
		names = append(names, n.Name)
	}
	err := fanout.Each(names, 8, func(name string) error {
		var logBuf bytes.Buffer
		if err := r.Backend.Logs(ctx, name, false, &logBuf); err != nil {
			fmt.Fprintf(&logBuf, "\n[devnet: reading the log failed: %v]\n", err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".log"), logBuf.Bytes(), 0o644); err != nil {
			return err
		}
		status := []byte(fmt.Sprintf("{\"error\": %q}\n", "node "+r.isDown(name)))
		if r.isDown(name) == "" {
			c, err := r.client(name)
			if err == nil {
				sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
				st, serr := c.Status(sctx)
				cancel()
				if serr == nil {
					raw, _ := json.MarshalIndent(st, "", "  ") // a struct of plain fields always marshals
					status = append(raw, '\n')
				} else {
					status = []byte(fmt.Sprintf("{\"error\": %q}\n", serr.Error()))
				}
			}
		}
		return os.WriteFile(filepath.Join(dir, name+".status.json"), status, 0o644)
	})
	if werr := os.WriteFile(filepath.Join(dir, "steps.log"), []byte(r.steps.String()), 0o644); werr != nil {
		return werr
	}
	return err
}
