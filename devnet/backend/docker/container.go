package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/spec"
)

// Start creates the node's container and volume if they do not exist,
// starts it, and returns once its control API answers. A container that
// exists keeps its volume and its data.
func (b *Backend) Start(ctx context.Context, name string) error {
	s, err := b.service(name)
	if err != nil {
		return err
	}
	id, err := b.ensureContainer(ctx, s)
	if err != nil {
		return err
	}
	// Watch for an exit from before the start on, so a node that dies at
	// once is reported with its log instead of waited for.
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	exited := b.watchExit(wctx, id)
	if _, err := b.cli.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("docker: start node %s: %w", name, err)
	}
	// A new network namespace has none of the partition's routes.
	if err := b.recut(ctx, name); err != nil {
		return err
	}
	return b.waitAnswering(ctx, s, exited)
}

// watchExit yields once the container is not running (with its exit code),
// until ctx ends.
func (b *Backend) watchExit(ctx context.Context, id string) <-chan error {
	exited := make(chan error, 1)
	w := b.cli.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	go func() {
		select {
		case res := <-w.Result:
			exited <- fmt.Errorf("exit status %d", res.StatusCode)
		case <-w.Error:
		}
	}()
	return exited
}

// waitAnswering waits until the node's control API answers (exited: nil
// when not watched).
func (b *Backend) waitAnswering(ctx context.Context, s *compose.Service, exited <-chan error) error {
	endpoint, err := b.Endpoint(s.Node.Name)
	if err != nil {
		return err
	}
	return backend.WaitAnswering(ctx, s.Node.Name, endpoint, exited, func() string {
		var out bytes.Buffer
		if err := CopyLogs(context.WithoutCancel(ctx), b.cli, s.Container, false, &out, &out); err != nil {
			return "(no log: " + err.Error() + ")"
		}
		return backend.Tail(out.String(), backend.LogTailLines)
	})
}

// ensureContainer returns the ID of the node's container, creating it (and
// its volume) when missing. A stopped container made from another image or
// command line (chaind was rebuilt, the scenario changed), or given another
// token or network key (secretSums), is replaced; its volume stays.
func (b *Backend) ensureContainer(ctx context.Context, s *compose.Service) (string, error) {
	token, err := b.rpcToken()
	if err != nil {
		return "", err
	}
	b.mu.Lock()
	image, layout, key := b.image, b.layout, b.net.NetworkKey
	b.mu.Unlock()
	if layout.HasKey && len(key) == 0 {
		return "", fmt.Errorf("docker: node %s has no network seed, and devnet %s no network key to give it", s.Node.Name, layout.Devnet)
	}
	// The layout's command line is the one compose files run too, where a
	// node makes its own token; here it gets the devnet's.
	cmd := append(slices.Clone(s.Cmd), spec.RPCTokenArgv(tokenPath)...)
	labels := maps.Clone(s.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	if !layout.HasKey {
		key = nil // labelled with what the container gets, and it gets no key
	}
	maps.Copy(labels, secretSums(token, key))
	res, err := b.cli.ContainerInspect(ctx, s.Container, client.ContainerInspectOptions{})
	switch {
	case err == nil:
		c := res.Container
		if c.Config != nil && c.Config.Image == image && slices.Equal(c.Config.Cmd, cmd) && sameSecrets(c.Config.Labels, labels) {
			return c.ID, nil
		}
		if c.State != nil && (c.State.Running || c.State.Paused) {
			b.log.Warn("node runs an outdated container (image, command line, token or network key); stop it to replace it", "node", s.Node.Name, "image", c.Config.Image)
			return c.ID, nil
		}
		if _, err := b.cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{}); err != nil {
			return "", fmt.Errorf("docker: replace outdated container of node %s: %w", s.Node.Name, err)
		}
	case !cerrdefs.IsNotFound(err):
		return "", fmt.Errorf("docker: inspect node %s: %w", s.Node.Name, err)
	}
	if _, err := b.cli.VolumeCreate(ctx, client.VolumeCreateOptions{Name: s.Volume, Labels: s.Labels}); err != nil {
		return "", fmt.Errorf("docker: volume of node %s: %w", s.Node.Name, err)
	}
	init := true
	created, err := b.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: s.Container,
		Config: &container.Config{
			Image:    image,
			Cmd:      cmd,
			Labels:   labels,
			Hostname: s.Node.Name,
			Env:      b.nodeEnv(len(layout.Services)),
			// No engine healthcheck: devnet asks each node's API itself, and
			// every probe is an exec through the engine, which starts
			// containers one at a time; at 50 nodes the probes made `up`
			// take 80 s instead of 56.
		},
		HostConfig: &container.HostConfig{
			NetworkMode: container.NetworkMode(layout.Network),
			Binds:       []string{s.Volume + ":" + compose.DataDir},
			// docker-init as PID 1 forwards SIGTERM to chaind and reaps the
			// exec'd processes.
			Init: &init,
		},
		NetworkingConfig: &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			layout.Network: {IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: s.IP}},
		}},
	})
	if cerrdefs.IsConflict(err) {
		// Another call created it meanwhile.
		res, err := b.cli.ContainerInspect(ctx, s.Container, client.ContainerInspectOptions{})
		if err != nil {
			return "", fmt.Errorf("docker: inspect node %s: %w", s.Node.Name, err)
		}
		return res.Container.ID, nil
	}
	if err != nil {
		return "", fmt.Errorf("docker: create node %s: %w", s.Node.Name, err)
	}
	// The secrets go in with one copy: each copy into a container mounts
	// its file system, a cost the engine pays one container at a time.
	files := []containerFile{{tokenPath, []byte(token + "\n")}}
	what := "rpc token"
	if layout.HasKey {
		files = append(files, containerFile{compose.KeyPath, key})
		what = "rpc token and network key"
	}
	if err := b.copyFiles(ctx, created.ID, files); err != nil {
		// Without its key the container would never join, and without the
		// token devnet could not change anything on it; the next Start
		// creates it again.
		_, _ = b.cli.ContainerRemove(context.WithoutCancel(ctx), created.ID, client.ContainerRemoveOptions{Force: true})
		return "", fmt.Errorf("docker: %s into node %s: %w", what, s.Node.Name, err)
	}
	b.log.Debug("container created", "node", s.Node.Name, "container", s.Container, "ip", s.IP)
	return created.ID, nil
}

// tokenPath is where a container finds the devnet's control API token
// (copied in at creation, like the network key).
const tokenPath = "/rpc.token"

// Labels with a digest of each secret a container was given at creation,
// so a container left from a devnet whose state dir (its token and network
// key) is gone is replaced, not started with secrets nobody has: with
// another token devnet could change nothing on it, with another key it
// would never meet the other nodes. The key's label is there only on
// containers that got a key (nodes that derive theirs from a seed have
// none), so containers made before keys had a label are kept as they are.
const (
	labelTokenSum = "devchain.rpc-token-sum"
	labelKeySum   = "devchain.network-key-sum"
)

// secretSums are the secret labels of a container given token and key (nil:
// no key file).
func secretSums(token string, key []byte) map[string]string {
	sums := map[string]string{labelTokenSum: compose.Digest([]byte(token))}
	if len(key) > 0 {
		sums[labelKeySum] = compose.Digest(key)
	}
	return sums
}

// sameSecrets tells whether the secret labels of have and want agree.
func sameSecrets(have, want map[string]string) bool {
	return have[labelTokenSum] == want[labelTokenSum] && have[labelKeySum] == want[labelKeySum]
}

// RPCToken is the token the devnet's containers get.
func (b *Backend) RPCToken() string { return b.token.OrWarn(b.log) }

// rpcToken is the devnet's token (backend.DevnetToken).
func (b *Backend) rpcToken() (string, error) {
	tok, err := b.token.Get()
	if err != nil {
		return "", fmt.Errorf("docker: %w", err)
	}
	return tok, nil
}

// nodeEnv is the containers' environment: backend.NodeEnv for a local
// engine, whose CPUs are the ones runtime.NumCPU counts.
func (b *Backend) nodeEnv(nodes int) []string {
	if !b.localEngine() {
		return nil
	}
	return backend.NodeEnv(nil, nodes)
}

// containerFile is a file to put into a container: an absolute path and
// its content, mode 0600.
type containerFile struct {
	path string
	data []byte
}

// copyFiles puts files into a (created, not necessarily started) container
// in one copy.
func (b *Backend) copyFiles(ctx context.Context, id string, files []containerFile) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		hdr := &tar.Header{Name: f.path[1:], Mode: 0o600, Size: int64(len(f.data)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	_, err := b.cli.CopyToContainer(ctx, id, client.CopyToContainerOptions{DestinationPath: "/", Content: &buf})
	return err
}

// Stop sends SIGTERM, then SIGKILL after the grace period, and returns once
// the container has stopped.
func (b *Backend) Stop(ctx context.Context, name string) error {
	return b.onContainer(ctx, name, "stop", func(id string) error {
		_, err := b.cli.ContainerStop(ctx, id, client.ContainerStopOptions{Timeout: seconds(b.opts.StopGrace)})
		return err
	})
}

// Kill sends SIGKILL and returns once the container has stopped, so an
// offline command can follow at once.
func (b *Backend) Kill(ctx context.Context, name string) error {
	return b.onContainer(ctx, name, "kill", func(id string) error {
		if _, err := b.cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: "KILL"}); err != nil {
			return err
		}
		return WaitStopped(ctx, b.cli, id)
	})
}

// Pause freezes every process of the node (cgroup freezer): its peers see a
// node that stops answering, without a closed connection.
func (b *Backend) Pause(ctx context.Context, name string) error {
	return b.onContainer(ctx, name, "pause", func(id string) error {
		_, err := b.cli.ContainerPause(ctx, id, client.ContainerPauseOptions{})
		return err
	})
}

// Unpause thaws the node and returns once its control API answers again.
func (b *Backend) Unpause(ctx context.Context, name string) error {
	err := b.onContainer(ctx, name, "unpause", func(id string) error {
		_, err := b.cli.ContainerUnpause(ctx, id, client.ContainerUnpauseOptions{})
		return err
	})
	if err != nil {
		return err
	}
	s, err := b.service(name)
	if err != nil {
		return err
	}
	return b.waitAnswering(ctx, s, nil)
}

// onContainer runs op on the node's existing container, naming node and
// operation in errors.
func (b *Backend) onContainer(ctx context.Context, name, what string, op func(id string) error) error {
	s, err := b.service(name)
	if err != nil {
		return err
	}
	if err := op(s.Container); err != nil {
		if cerrdefs.IsNotFound(err) {
			return fmt.Errorf("docker: %s node %s: no container %s (never started?)", what, name, s.Container)
		}
		return fmt.Errorf("docker: %s node %s: %w", what, name, err)
	}
	return nil
}

// WaitStopped returns once container id does not run (the swarm backend
// waits so for a killed task's container).
func WaitStopped(ctx context.Context, c *client.Client, id string) error {
	w := c.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case <-w.Result:
		return nil
	case err := <-w.Error:
		return err
	}
}
