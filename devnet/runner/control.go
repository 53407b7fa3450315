package runner

import "context"

// Control runs a lifecycle action (stop, start, restart, kill, pause,
// unpause) on each of nodes through the code of the step of that kind, for
// callers outside a scenario: the live view's buttons.
func (r *Runner) Control(ctx context.Context, kind string, nodes []string) error {
	return r.each(nodes, func(n string) error { return r.lifecycle(ctx, kind, n) })
}

// Partition cuts traffic between sides of node names, as a partition step
// does.
func (r *Runner) Partition(ctx context.Context, sides [][]string) error {
	return r.Backend.Partition(ctx, sides)
}

// Heal undoes a partition, as a heal step does.
func (r *Runner) Heal(ctx context.Context) error {
	return r.Backend.Heal(ctx)
}
