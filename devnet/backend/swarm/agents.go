package swarm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/backend/docker"
	"github.com/devchain/devchain/devnet/backend/swarm/agent"
	"github.com/devchain/devchain/internal/fanout"
)

// The agent (package agent) is the devnet's hand on every swarm node: a
// global service of a small image of its own, with the engine socket of
// its host mounted, which kills, pauses, unpauses and execs into the
// devnet's node containers there and runs offline commands on its node
// volumes. The manager's API only reaches services; a container only
// through its own host's engine. devnet calls each agent on the port its
// task publishes in host mode, as it calls the nodes' control API, with the
// devnet's token (the same swarm secret the nodes get). Every kill, pause
// and exec goes through an agent, also on a one-node swarm, so one path is
// tested.

// AgentEnv names the agent binary when Options.Agent is empty, before the
// one next to the running executable: devnet run in-process (its tests)
// has no devnet-agent beside it.
const AgentEnv = "DEVNET_AGENT"

// agentService names the devnet's agent service.
func agentService(devnet string) string { return compose.ContainerName(devnet, agent.Role) }

// agentLabels are on the agent's service and containers: the devnet's, so
// Down and Remove find it, and a role no chain node has.
func agentLabels(devnet string) map[string]string {
	return map[string]string{compose.LabelDevnet: devnet, compose.LabelRole: agent.Role}
}

// isAgent tells the agent's service among the devnet's services.
func isAgent(s *swarm.Service) bool { return s.Spec.Labels[compose.LabelRole] == agent.Role }

// agentBinary is the static agent binary the image is built from.
func (b *Backend) agentBinary() (string, error) {
	path := b.opts.Agent
	if path == "" {
		path = os.Getenv(AgentEnv)
	}
	p, err := backend.HelperBinary(path, "devnet-agent")
	if err != nil {
		return "", fmt.Errorf("swarm: agent binary: %w", err)
	}
	return p, nil
}

// agentImage builds (or finds, by content hash) the agent's image and
// returns its ID, which the service runs, as the nodes' image.
func (b *Backend) agentImage(ctx context.Context) (string, error) {
	path, err := b.agentBinary()
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("swarm: no agent binary: %w (`make image` builds bin/devnet-agent next to bin/devnet; or set %s)", err, AgentEnv)
	}
	ref, err := docker.EnsureHelperImage(ctx, b.cli, path, agent.Repo, b.log)
	if err != nil {
		return "", fmt.Errorf("swarm: agent image: %w", err)
	}
	img, err := b.cli.ImageInspect(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("swarm: agent image %s: %w", ref, err)
	}
	return img.ID, nil
}

// agentSpec is the agent's service: global (one task per swarm node), the
// only node image its offline commands may run (the devnet's), the engine
// socket mounted, the devnet's token as a secret, its port published
// in host mode on a port the engine picks. It restarts on any exit: it is
// infrastructure, not a node whose stops devnet decides.
func (b *Backend) agentSpec(devnet, image, nodeImage string, token secret) swarm.ServiceSpec {
	labels := agentLabels(devnet)
	return swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: agentService(devnet), Labels: maps.Clone(labels)},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{
				Image: image,
				Args: []string{"-devnet", devnet, "-token-file", tokenPath, "-node-image", nodeImage,
					"-listen", ":" + strconv.Itoa(agent.Port)},
				Labels: maps.Clone(labels),
				Mounts: []mount.Mount{{Type: mount.TypeBind, Source: "/var/run/docker.sock", Target: "/var/run/docker.sock"}},
				Secrets: []*swarm.SecretReference{{SecretID: token.id, SecretName: token.name,
					File: &swarm.SecretReferenceFileTarget{Name: token.file, UID: "0", GID: "0", Mode: 0o400}}},
			},
			RestartPolicy: &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionAny},
		},
		Mode: swarm.ServiceMode{Global: &swarm.GlobalService{}},
		EndpointSpec: &swarm.EndpointSpec{Mode: swarm.ResolutionModeDNSRR, Ports: []swarm.PortConfig{{
			Protocol: network.TCP, TargetPort: agent.Port, PublishMode: swarm.PortConfigPublishModeHost,
		}}},
	}
}

// ensureAgent creates the devnet's agent service, or updates it when its
// image or token changed (a rebuilt agent, a devnet whose state dir was
// lost), and starts waiting until an agent runs and answers on every swarm
// node that takes tasks.
func (b *Backend) ensureAgent(ctx context.Context, devnet string, secrets []secret) error {
	image, err := b.agentImage(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(secrets, func(s secret) bool { return s.file == "rpc.token" })
	if i < 0 {
		return fmt.Errorf("swarm: agent: devnet %s has no token secret", devnet)
	}
	b.mu.Lock()
	nodeImage := b.image
	b.mu.Unlock()
	want := b.agentSpec(devnet, image, nodeImage, secrets[i])
	svc, err := b.inspect(ctx, want.Name)
	switch {
	case cerrdefs.IsNotFound(err):
		if _, err := b.cli.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: want}); err != nil {
			return fmt.Errorf("swarm: create agent service %s: %w", want.Name, err)
		}
		b.log.Debug("agent service created", "service", want.Name)
	case err != nil:
		return fmt.Errorf("swarm: agent service %s: %w", want.Name, err)
	default:
		if !isAgent(&svc) {
			return fmt.Errorf("swarm: service %s exists but is not devnet %s's agent (%s=%q)", want.Name, devnet, compose.LabelRole, svc.Spec.Labels[compose.LabelRole])
		}
		cs := svc.Spec.TaskTemplate.ContainerSpec
		if cs == nil || cs.Image != want.TaskTemplate.ContainerSpec.Image || !slices.Equal(cs.Args, want.TaskTemplate.ContainerSpec.Args) ||
			len(cs.Secrets) != 1 || cs.Secrets[0].SecretID != secrets[i].id {
			if _, err := b.cli.ServiceUpdate(ctx, svc.ID, client.ServiceUpdateOptions{Version: svc.Version, Spec: want}); err != nil {
				return fmt.Errorf("swarm: update agent service %s: %w", want.Name, err)
			}
			b.log.Debug("agent service updated", "service", want.Name)
		}
	}
	// The nodes start while the agents do: they need none until a kill,
	// pause or exec, which waits for them (awaitAgents). Waiting here cost
	// a 51-node devnet 2.6 s of its start.
	ready := make(chan struct{})
	b.mu.Lock()
	b.agents = map[string]string{}
	b.agentsReady, b.agentsErr = ready, nil
	b.mu.Unlock()
	go func() {
		err := b.waitAgents(ctx, devnet, image)
		b.mu.Lock()
		b.agentsErr = err
		b.mu.Unlock()
		close(ready)
	}()
	return nil
}

// awaitAgents returns once the agents Setup started run and answer on
// every swarm node, with waitAgents' error if they did not.
func (b *Backend) awaitAgents(ctx context.Context) error {
	b.mu.Lock()
	ready := b.agentsReady
	b.mu.Unlock()
	if ready == nil {
		return nil // attached: the agents came up with the devnet
	}
	select {
	case <-ready:
	case <-ctx.Done():
		return fmt.Errorf("waiting for the devnet's agents: %w", ctx.Err())
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.agentsErr
}

// waitAgents returns once the agent of image runs on every ready, active
// swarm node and answers there, failing with the swarm's reason (and, for
// a node without the image, how to bring it there) or after
// AnswerTimeout.
func (b *Backend) waitAgents(ctx context.Context, devnet, image string) error {
	deadline := time.Now().Add(backend.AnswerTimeout)
	for {
		nodes, err := b.cli.NodeList(ctx, client.NodeListOptions{})
		if err != nil {
			return fmt.Errorf("swarm: agent: list swarm nodes: %w", err)
		}
		tasks, err := b.cli.TaskList(ctx, client.TaskListOptions{Filters: client.Filters{}.Add("service", agentService(devnet))})
		if err != nil {
			return fmt.Errorf("swarm: agent: tasks of %s: %w", agentService(devnet), err)
		}
		var waiting []string
		for _, n := range nodes.Items {
			if !takesTasks(n) {
				continue
			}
			var running, newest *swarm.Task
			for i := range tasks.Items {
				t := &tasks.Items[i]
				if t.NodeID != n.ID || t.Spec.ContainerSpec == nil || t.Spec.ContainerSpec.Image != image {
					continue
				}
				if t.Status.State == swarm.TaskStateRunning && t.DesiredState == swarm.TaskStateRunning {
					running = t
				}
				if newest == nil || t.Meta.CreatedAt.After(newest.Meta.CreatedAt) {
					newest = t
				}
			}
			if running == nil {
				if newest != nil && ended(newest.Status.State) {
					if hint := imageHint(newest.Status.Err, n); hint != "" {
						return fmt.Errorf("swarm: agent of devnet %s: task %s %s: %s; %s", devnet, newest.ID, newest.Status.State, newest.Status.Err, hint)
					}
				}
				waiting = append(waiting, describeTask(n, newest))
				continue
			}
			addr, err := b.publishedAddr(ctx, running, agent.Port)
			if err == nil {
				err = b.agentClient(addr).Ping(ctx)
			}
			if err != nil {
				waiting = append(waiting, fmt.Sprintf("%s: %v", nodeName(n), err))
				continue
			}
			b.mu.Lock()
			b.agents[n.ID] = addr
			b.mu.Unlock()
		}
		if len(waiting) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("swarm: agent of devnet %s: not running and answering within %s on: %s", devnet, backend.AnswerTimeout, strings.Join(waiting, "; "))
		}
		if err := sleep(ctx, pollEvery); err != nil {
			return fmt.Errorf("swarm: waiting for the agent of devnet %s: %w", devnet, err)
		}
	}
}

// describeTask says how an agent's newest task on n stands.
func describeTask(n swarm.Node, t *swarm.Task) string {
	if t == nil {
		return nodeName(n) + ": no task yet"
	}
	s := fmt.Sprintf("%s: task %s %s", nodeName(n), t.ID, t.Status.State)
	if t.Status.Err != "" {
		s += ": " + t.Status.Err
	}
	return s
}

// nodeName names a swarm node as a person finds it: hostname, ID, address.
func nodeName(n swarm.Node) string {
	return fmt.Sprintf("swarm node %s (ID %s, address %s)", n.Description.Hostname, n.ID, n.Status.Addr)
}

// imageHint is, for a task error saying the swarm node lacks its image,
// which node and how to bring the images there; "" for any other error.
// Services run images by ID, which `docker save | docker load` keeps.
func imageHint(taskErr string, n swarm.Node) string {
	e := strings.ToLower(taskErr)
	if !strings.Contains(e, "no such image") && !strings.Contains(e, "pull access denied") && !strings.Contains(e, "manifest unknown") {
		return ""
	}
	host := n.Description.Hostname
	if n.Status.Addr != "" {
		host = n.Status.Addr
	}
	return fmt.Sprintf("%s does not have the image: copy the images there with `docker save %s %s:latest | ssh %s docker load`",
		nodeName(n), compose.LatestImage, agent.Repo, host)
}

// taskImageHint is imageHint for a task of a node's service, looking its
// swarm node up.
func (b *Backend) taskImageHint(ctx context.Context, t *swarm.Task) string {
	if imageHint(t.Status.Err, swarm.Node{}) == "" || t.NodeID == "" {
		return ""
	}
	res, err := b.cli.NodeInspect(ctx, t.NodeID, client.NodeInspectOptions{})
	if err != nil {
		res.Node.ID = t.NodeID
	}
	return imageHint(t.Status.Err, res.Node)
}

func (b *Backend) agentClient(addr string) *agent.Client {
	tok, _ := b.token.Get() // Get failed earlier in Setup or Remove if it fails
	return agent.NewClient(addr, tok)
}

// agentAt is the client of the devnet's agent on swarm node nodeID, from
// the cache unless fresh.
func (b *Backend) agentAt(ctx context.Context, nodeID string, fresh bool) (*agent.Client, error) {
	if err := b.awaitAgents(ctx); err != nil {
		return nil, err
	}
	devnet := b.devnet()
	b.mu.Lock()
	addr := b.agents[nodeID]
	b.mu.Unlock()
	if addr != "" && !fresh {
		return b.agentClient(addr), nil
	}
	res, err := b.cli.TaskList(ctx, client.TaskListOptions{Filters: client.Filters{}.
		Add("service", agentService(devnet)).Add("node", nodeID).Add("desired-state", "running")})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return nil, fmt.Errorf("agent on swarm node %s: %w", nodeID, err)
	}
	for i := range res.Items {
		t := &res.Items[i]
		if t.Status.State != swarm.TaskStateRunning {
			continue
		}
		addr, err := b.publishedAddr(ctx, t, agent.Port)
		if err != nil {
			return nil, fmt.Errorf("agent on swarm node %s: %w", nodeID, err)
		}
		b.mu.Lock()
		b.agents[nodeID] = addr
		b.mu.Unlock()
		return b.agentClient(addr), nil
	}
	return nil, fmt.Errorf("no agent of devnet %s runs on swarm node %s (`devnet up` starts one on every swarm node)", devnet, nodeID)
}

// onAgent calls op with the agent of swarm node nodeID; when the call did
// not reach it (a restarted agent publishes another port), the address is
// looked up again and op tried once more.
func (b *Backend) onAgent(ctx context.Context, nodeID string, op func(*agent.Client) error) error {
	c, err := b.agentAt(ctx, nodeID, false)
	if err != nil {
		return err
	}
	err = op(c)
	if !errors.Is(err, agent.ErrUnreachable) {
		return err
	}
	if c, err = b.agentAt(ctx, nodeID, true); err != nil {
		return err
	}
	return op(c)
}

// removeVolumesEverywhere asks every agent of the services (of one devnet,
// or of all) on another host than this engine's to remove its host's
// volumes of its devnet, once the node services are removed and before the
// agents are; the hosts at once, as each waits for its node containers to
// go. This engine's own volumes are removed by label (removeLabelled), which
// needs no token: a devnet's token is only known for the devnet this
// Backend was made for (its state dir), and a devnet whose state dir was
// lost still comes down here.
func (b *Backend) removeVolumesEverywhere(ctx context.Context, agents []swarm.Service) error {
	var errs []error
	var tasks []swarm.Task
	info, err := b.cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return fmt.Errorf("agents: %w", err)
	}
	self := info.Info.Swarm.NodeID
	for _, svc := range agents {
		res, err := b.cli.TaskList(ctx, client.TaskListOptions{Filters: client.Filters{}.
			Add("service", svc.ID).Add("desired-state", "running")})
		if err != nil {
			errs = append(errs, fmt.Errorf("tasks of agent %s: %w", svc.Spec.Name, err))
			continue
		}
		for _, t := range res.Items {
			if t.Status.State == swarm.TaskStateRunning && t.NodeID != self {
				tasks = append(tasks, t)
			}
		}
	}
	errs = append(errs, fanout.Each(tasks, removeParallelism, func(t swarm.Task) error {
		devnet := t.Spec.ContainerSpec.Labels[compose.LabelDevnet]
		addr, err := b.publishedAddr(ctx, &t, agent.Port)
		if err != nil {
			return fmt.Errorf("volumes of devnet %s on swarm node %s: %w", devnet, t.NodeID, err)
		}
		removed, err := b.agentClient(addr).RemoveVolumes(ctx)
		if err != nil {
			return fmt.Errorf("volumes of devnet %s on swarm node %s: %w", devnet, t.NodeID, err)
		}
		b.log.Debug("volumes removed by the agent", "devnet", devnet, "swarm node", t.NodeID, "volumes", len(removed))
		return nil
	}))
	return errors.Join(errs...)
}
