package swarm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/spec"
)

// pollEvery is how often task states are read while waiting for one: the
// manager's API has no wait for a task state.
const pollEvery = 500 * time.Millisecond

// serviceSpec is a node's service: one replica of the image with the
// node's command line, its volume at /data, the devnet's secrets, on the
// devnet's overlay network, its control API published in ingress mode on
// a port the swarm picks.
func (b *Backend) serviceSpec(s *compose.Service, secrets []secret) swarm.ServiceSpec {
	b.mu.Lock()
	layout, image, nodes := b.layout, b.image, len(b.net.Nodes)
	b.mu.Unlock()
	p := spec.Placement{
		DataDir:      compose.DataDir,
		ListenHost:   "0.0.0.0",
		P2PPort:      compose.P2PPort,
		RPCAddr:      "0.0.0.0:" + strconv.Itoa(compose.RPCPort),
		Announce:     []string{dnsAddr(s)},
		RPCTokenFile: tokenPath,
	}
	if layout.HasKey {
		p.NetworkKey = keyPath
	}
	for _, name := range s.Node.Bootstrap {
		// NewLayout checked that every bootstrap is a node with a peer ID.
		bs, _ := layout.Service(name)
		p.Bootstrap = append(p.Bootstrap, dnsAddr(bs)+"/p2p/"+bs.Node.PeerID)
	}
	refs := make([]*swarm.SecretReference, 0, len(secrets))
	for _, sec := range secrets {
		refs = append(refs, &swarm.SecretReference{SecretID: sec.id, SecretName: sec.name,
			File: &swarm.SecretReferenceFileTarget{Name: sec.file, UID: "0", GID: "0", Mode: 0o400}})
	}
	init := true
	grace := b.opts.StopGrace
	one := uint64(1)
	var env []string
	if b.localEngine() {
		env = backend.NodeEnv(nil, nodes)
	}
	return swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: s.Container, Labels: maps.Clone(s.Labels)},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{
				Image:           image,
				Args:            s.Node.Argv(p),
				Labels:          maps.Clone(s.Labels),
				Hostname:        s.Node.Name,
				Env:             env,
				Init:            &init,
				StopGracePeriod: &grace,
				Mounts: []mount.Mount{{Type: mount.TypeVolume, Source: s.Volume, Target: compose.DataDir,
					VolumeOptions: &mount.VolumeOptions{Labels: maps.Clone(s.Labels)}}},
				Secrets: refs,
			},
			// devnet decides stops and kills; a restart policy would undo them.
			RestartPolicy: &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionNone},
			Networks:      []swarm.NetworkAttachmentConfig{{Target: layout.Network}},
		},
		Mode: swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &one}},
		// DNS round robin: the service's name resolves to its one task's
		// address, wherever it runs. A virtual IP (and the ingress routing
		// mesh) needs IPVS in the kernel, which this machine's lacks. The
		// control API is published in host mode on a port the engine
		// picks, on the host its task runs on (apiAddr).
		EndpointSpec: &swarm.EndpointSpec{Mode: swarm.ResolutionModeDNSRR, Ports: []swarm.PortConfig{{
			Protocol: network.TCP, TargetPort: compose.RPCPort, PublishMode: swarm.PortConfigPublishModeHost,
		}}},
	}
}

// Start creates the node's service if new, else gives it one running task
// (scaled to 1, or a forced update after a kill left it without one), pins
// it to the swarm node its task runs on, and returns once its control API
// answers through the published port.
func (b *Backend) Start(ctx context.Context, name string) error {
	s, err := b.service(name)
	if err != nil {
		return err
	}
	secrets, err := b.ensureSecrets(ctx)
	if err != nil {
		return err
	}
	want := b.serviceSpec(s, secrets)
	// Tasks that ended before this start (stopped, killed) are passed over
	// while waiting for the new one.
	var failed []string
	ts, err := b.tasks(ctx, s)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if ended(t.Status.State) {
			failed = append(failed, t.ID)
		}
	}
	svc, err := b.inspect(ctx, s.Container)
	pinned := err == nil && pinnedTo(svc.Spec.TaskTemplate.Placement) != ""
	switch {
	case cerrdefs.IsNotFound(err):
		pinned = true
		host, err := b.placeNew(ctx, name)
		if err != nil {
			return err
		}
		want.TaskTemplate.Placement = &swarm.Placement{Constraints: []string{pinPrefix + host}}
		if _, err := b.cli.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: want}); err != nil {
			return fmt.Errorf("swarm: create service of node %s: %w", name, err)
		}
		b.log.Debug("service created", "node", name, "service", s.Container)
	case err != nil:
		return fmt.Errorf("swarm: node %s: %w", name, err)
	default:
		if err := b.scaleUp(ctx, s, svc, want); err != nil {
			return err
		}
	}
	task, err := b.waitRunning(ctx, s, failed)
	var ns notStarted
	for attempt := 2; errors.As(err, &ns) && attempt <= startAttempts; attempt++ {
		b.log.Warn("the engine failed to start the node's container; a new task", "node", name, "attempt", attempt, "err", err)
		failed = append(failed, ns.task)
		if err := b.respawn(ctx, s); err != nil {
			return err
		}
		task, err = b.waitRunning(ctx, s, failed)
	}
	if err != nil {
		return err
	}
	if !pinned {
		if err := b.pin(ctx, s, task.NodeID); err != nil {
			return err
		}
	}
	addr, err := b.apiAddr(ctx, task)
	if err != nil {
		return fmt.Errorf("swarm: node %s: %w", name, err)
	}
	b.mu.Lock()
	b.apis[name] = addr
	b.mu.Unlock()
	if err := b.waitAnswering(ctx, s, task.ID); err != nil {
		return err
	}
	return b.regate(ctx, name)
}

// startAttempts bounds the tasks Start gives a node whose container the
// engine failed to start. Under load, with dozens of containers starting
// at once, Docker 20.10 now and then fails to remount a task's secrets
// read-only ("device or resource busy"); the node never ran, and a new
// task starts it.
const startAttempts = 3

// notStarted is the error of a task that ended before its container
// started.
type notStarted struct {
	node, task, why string
}

func (e notStarted) Error() string {
	return fmt.Sprintf("swarm: node %s: task %s: the engine did not start its container: %s", e.node, e.task, e.why)
}

// respawn gives a service at one replica a new task.
func (b *Backend) respawn(ctx context.Context, s *compose.Service) error {
	svc, err := b.inspect(ctx, s.Container)
	if err != nil {
		return fmt.Errorf("swarm: node %s: %w", s.Node.Name, err)
	}
	svc.Spec.TaskTemplate.ForceUpdate++
	if _, err := b.cli.ServiceUpdate(ctx, svc.ID, client.ServiceUpdateOptions{Version: svc.Version, Spec: svc.Spec}); err != nil {
		return fmt.Errorf("swarm: new task for node %s: %w", s.Node.Name, err)
	}
	return nil
}

// scaleUp gives an existing service one running task. A running task is
// kept, also an outdated one (another image or command line: chaind was
// rebuilt, the scenario changed), as docker keeps a running container; a
// stopped service gets the current spec, its pin kept.
func (b *Backend) scaleUp(ctx context.Context, s *compose.Service, svc swarm.Service, want swarm.ServiceSpec) error {
	if t, err := b.runningTask(ctx, s); err != nil {
		return err
	} else if t != nil {
		if cs := svc.Spec.TaskTemplate.ContainerSpec; cs == nil || cs.Image != want.TaskTemplate.ContainerSpec.Image ||
			!slices.Equal(cs.Args, want.TaskTemplate.ContainerSpec.Args) {
			b.log.Warn("node runs an outdated service (image or command line); stop it to replace it", "node", s.Node.Name)
		}
		return nil
	}
	want.TaskTemplate.Placement = svc.Spec.TaskTemplate.Placement
	// A service already at one replica whose task was killed gets a new
	// task only from an update; the counter forces one.
	want.TaskTemplate.ForceUpdate = svc.Spec.TaskTemplate.ForceUpdate + 1
	if _, err := b.cli.ServiceUpdate(ctx, svc.ID, client.ServiceUpdateOptions{Version: svc.Version, Spec: want}); err != nil {
		return fmt.Errorf("swarm: start node %s: %w", s.Node.Name, err)
	}
	return nil
}

// pinPrefix begins the placement constraint that pins a service to one
// swarm node, by ID.
const pinPrefix = "node.id=="

// pinnedTo is the swarm node a service's placement pins it to, "" if none.
func pinnedTo(p *swarm.Placement) string {
	if p == nil {
		return ""
	}
	for _, c := range p.Constraints {
		if host, ok := strings.CutPrefix(c, pinPrefix); ok {
			return host
		}
	}
	return ""
}

// takesTasks tells a swarm node the scheduler gives new tasks to: ready and
// active (not paused or drained).
func takesTasks(n swarm.Node) bool {
	return n.Status.State == swarm.NodeStateReady && n.Spec.Availability == swarm.NodeAvailabilityActive
}

// placeNew is the swarm node a new service is pinned to from its creation:
// the devnet's nodes are spread over the ready, active swarm nodes in turn,
// by their order in the devnet. Pinning at creation, rather than once the
// scheduler placed the first task, saves an update of every service, which
// the orchestrator must reconcile while dozens of tasks start.
func (b *Backend) placeNew(ctx context.Context, name string) (string, error) {
	b.mu.Lock()
	hosts, net := b.hosts, b.net
	b.mu.Unlock()
	if hosts == nil {
		res, err := b.cli.NodeList(ctx, client.NodeListOptions{})
		if err != nil {
			return "", fmt.Errorf("swarm: place node %s: list swarm nodes: %w", name, err)
		}
		for _, n := range res.Items {
			if takesTasks(n) {
				hosts = append(hosts, n.ID)
			}
		}
		if len(hosts) == 0 {
			return "", fmt.Errorf("swarm: place node %s: no swarm node is ready and active", name)
		}
		slices.Sort(hosts)
		b.mu.Lock()
		b.hosts = hosts
		b.mu.Unlock()
	}
	i := slices.IndexFunc(net.Nodes, func(n spec.Node) bool { return n.Name == name })
	return hosts[max(i, 0)%len(hosts)], nil
}

// pin constrains a service that has no pin to the swarm node its task
// runs on, so its local volume (the node's data) follows it across
// restarts: a service created before services were pinned at creation
// (placeNew). The swarm keeps a task running that already satisfies the
// new constraint.
func (b *Backend) pin(ctx context.Context, s *compose.Service, nodeID string) error {
	constraint := pinPrefix + nodeID
	svc, err := b.inspect(ctx, s.Container)
	if err != nil {
		return fmt.Errorf("swarm: pin node %s: %w", s.Node.Name, err)
	}
	p := svc.Spec.TaskTemplate.Placement
	if pinnedTo(p) != "" {
		return nil
	}
	if p == nil {
		p = &swarm.Placement{}
	}
	p.Constraints = append(p.Constraints, constraint)
	svc.Spec.TaskTemplate.Placement = p
	if _, err := b.cli.ServiceUpdate(ctx, svc.ID, client.ServiceUpdateOptions{Version: svc.Version, Spec: svc.Spec}); err != nil {
		return fmt.Errorf("swarm: pin node %s to swarm node %s: %w", s.Node.Name, nodeID, err)
	}
	return nil
}

// Stop scales the service to no replica: the swarm stops its task (SIGTERM,
// SIGKILL after the grace period) and the volume keeps the data. It returns
// once no task of the service runs.
func (b *Backend) Stop(ctx context.Context, name string) error {
	s, err := b.service(name)
	if err != nil {
		return err
	}
	if err := b.scale(ctx, s, 0); err != nil {
		return err
	}
	return b.waitStopped(ctx, s)
}

// scale sets the service's replicas.
func (b *Backend) scale(ctx context.Context, s *compose.Service, replicas uint64) error {
	svc, err := b.inspect(ctx, s.Container)
	if cerrdefs.IsNotFound(err) {
		return fmt.Errorf("swarm: node %s: no service %s (never started?)", s.Node.Name, s.Container)
	}
	if err != nil {
		return fmt.Errorf("swarm: node %s: %w", s.Node.Name, err)
	}
	svc.Spec.Mode.Replicated = &swarm.ReplicatedService{Replicas: &replicas}
	if _, err := b.cli.ServiceUpdate(ctx, svc.ID, client.ServiceUpdateOptions{Version: svc.Version, Spec: svc.Spec}); err != nil {
		return fmt.Errorf("swarm: scale node %s to %d: %w", s.Node.Name, replicas, err)
	}
	return nil
}

func (b *Backend) inspect(ctx context.Context, service string) (swarm.Service, error) {
	res, err := b.cli.ServiceInspect(ctx, service, client.ServiceInspectOptions{})
	return res.Service, err
}

// tasks lists the service's tasks.
func (b *Backend) tasks(ctx context.Context, s *compose.Service) ([]swarm.Task, error) {
	res, err := b.cli.TaskList(ctx, client.TaskListOptions{Filters: client.Filters{}.Add("service", s.Container)})
	if cerrdefs.IsNotFound(err) {
		return nil, nil // no service: never started
	}
	if err != nil {
		return nil, fmt.Errorf("swarm: tasks of node %s: %w", s.Node.Name, err)
	}
	return res.Items, nil
}

// runningTask is the service's running task, nil if none.
func (b *Backend) runningTask(ctx context.Context, s *compose.Service) (*swarm.Task, error) {
	ts, err := b.tasks(ctx, s)
	if err != nil {
		return nil, err
	}
	for i := range ts {
		if ts[i].Status.State == swarm.TaskStateRunning && ts[i].DesiredState == swarm.TaskStateRunning {
			return &ts[i], nil
		}
	}
	return nil, nil
}

// ended tells a task state from which a task never runs again.
func ended(st swarm.TaskState) bool {
	switch st {
	case swarm.TaskStateComplete, swarm.TaskStateShutdown, swarm.TaskStateFailed, swarm.TaskStateRejected, swarm.TaskStateOrphaned, swarm.TaskStateRemove:
		return true
	}
	return false
}

// taskTimeout bounds the wait for a node's task to run. A swarm node starts
// its tasks' containers about one a second here, so when a devnet of 51
// nodes starts, the last task waits most of a minute in line, in a state
// that says nothing more than "starting": a minute (AnswerTimeout) failed
// one such start. A task that fails, or that no swarm node can take, is
// told at once, so a longer bound costs nothing there.
const taskTimeout = 3 * time.Minute

// waitRunning returns the service's running task once there is one, and
// fails with the swarm's reason when its newest task ends first (no
// image on the node), when no swarm node can take it, or after
// taskTimeout. Tasks named in old (ended before, or earlier attempts) are
// passed over.
func (b *Backend) waitRunning(ctx context.Context, s *compose.Service, old []string) (*swarm.Task, error) {
	deadline := time.Now().Add(taskTimeout)
	for {
		ts, err := b.tasks(ctx, s)
		if err != nil {
			return nil, err
		}
		var newest *swarm.Task
		for i := range ts {
			t := &ts[i]
			if slices.Contains(old, t.ID) {
				continue
			}
			if t.Status.State == swarm.TaskStateRunning && t.DesiredState == swarm.TaskStateRunning {
				return t, nil
			}
			if newest == nil || t.Meta.CreatedAt.After(newest.Meta.CreatedAt) {
				newest = t
			}
		}
		// Whatever its desired state: the orchestrator turns a failed task
		// of a service without restart policy to shutdown at once, and a
		// poll may only see it so.
		if newest != nil && ended(newest.Status.State) {
			if strings.Contains(newest.Status.Err, "starting container failed") {
				return nil, notStarted{node: s.Node.Name, task: newest.ID, why: newest.Status.Err}
			}
			if hint := b.taskImageHint(ctx, newest); hint != "" {
				return nil, fmt.Errorf("swarm: node %s: task %s %s: %s %s; %s", s.Node.Name, newest.ID,
					newest.Status.State, newest.Status.Message, newest.Status.Err, hint)
			}
			return nil, fmt.Errorf("swarm: node %s: task %s %s: %s %s; last lines of its log:\n%s", s.Node.Name, newest.ID,
				newest.Status.State, newest.Status.Message, newest.Status.Err, b.tail(ctx, s))
		}
		// The scheduler keeps such a task pending with this error for as
		// long as nothing changes (a pinned swarm node that left, or is
		// drained).
		if newest != nil && newest.Status.State == swarm.TaskStatePending && strings.HasPrefix(newest.Status.Err, "no suitable node") {
			return nil, fmt.Errorf("swarm: node %s: task %s cannot be placed: %s", s.Node.Name, newest.ID, newest.Status.Err)
		}
		if time.Now().After(deadline) {
			state := "no task"
			if newest != nil {
				state = fmt.Sprintf("task %s %s (%s)", newest.ID, newest.Status.State, newest.Status.Message)
			}
			return nil, fmt.Errorf("swarm: node %s: no running task within %s: %s", s.Node.Name, taskTimeout, state)
		}
		if err := sleep(ctx, pollEvery); err != nil {
			return nil, fmt.Errorf("swarm: node %s: waiting for its task: %w", s.Node.Name, err)
		}
	}
}

// waitStopped returns once no task of the service runs or is about to.
func (b *Backend) waitStopped(ctx context.Context, s *compose.Service) error {
	for {
		ts, err := b.tasks(ctx, s)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(ts, func(t swarm.Task) bool { return !ended(t.Status.State) }) {
			return nil
		}
		if err := sleep(ctx, pollEvery); err != nil {
			return fmt.Errorf("swarm: node %s: waiting for its task to stop: %w", s.Node.Name, err)
		}
	}
}

// waitAnswering waits until the node's control API answers through its
// published port, failing early when the task ends.
func (b *Backend) waitAnswering(ctx context.Context, s *compose.Service, taskID string) error {
	endpoint, err := b.Endpoint(s.Node.Name)
	if err != nil {
		return err
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	exited := make(chan error, 1)
	go func() {
		for sleep(wctx, pollEvery) == nil {
			res, err := b.cli.TaskInspect(wctx, taskID, client.TaskInspectOptions{})
			if err == nil && ended(res.Task.Status.State) {
				exited <- fmt.Errorf("task %s: %s", res.Task.Status.State, res.Task.Status.Err)
				return
			}
		}
	}()
	return backend.WaitAnswering(ctx, s.Node.Name, endpoint, exited, func() string { return b.tail(ctx, s) })
}

// tail is the end of the service's log (from every task it had).
func (b *Backend) tail(ctx context.Context, s *compose.Service) string {
	var out bytes.Buffer
	if err := b.copyLogs(context.WithoutCancel(ctx), s, false, strconv.Itoa(backend.LogTailLines), &out); err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return out.String()
}

// copyLogs writes the service's log (stdout and stderr, from the swarm
// node its tasks ran on) to w; tail "" is all of it.
func (b *Backend) copyLogs(ctx context.Context, s *compose.Service, follow bool, tail string, w interface{ Write([]byte) (int, error) }) error {
	rc, err := b.cli.ServiceLogs(ctx, s.Container, client.ServiceLogsOptions{ShowStdout: true, ShowStderr: true, Follow: follow, Tail: tail})
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = stdcopy.StdCopy(w, w, rc)
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
