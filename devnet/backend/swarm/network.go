package swarm

import (
	"context"
	"fmt"
	"maps"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
)

// ensureNetwork creates the devnet's overlay network unless it exists. It
// is attachable, so a plain container (a debugging shell, a one-off tool)
// can join the nodes; the swarm's IPAM picks its subnet.
func (b *Backend) ensureNetwork(ctx context.Context, devnet string) error {
	name := compose.NetworkName(devnet)
	res, err := b.cli.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
	switch {
	case err == nil:
		if got := res.Network.Labels[compose.LabelDevnet]; got != devnet || res.Network.Driver != "overlay" {
			return fmt.Errorf("swarm: network %s exists but is not devnet %s's overlay network (driver %s, label %s=%q)",
				name, devnet, res.Network.Driver, compose.LabelDevnet, got)
		}
		return nil
	case !cerrdefs.IsNotFound(err):
		return fmt.Errorf("swarm: network %s: %w", name, err)
	}
	if _, err := b.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
		Driver:     "overlay",
		Attachable: true,
		Labels:     compose.NetworkLabels(devnet),
	}); err != nil {
		return fmt.Errorf("swarm: create network %s: %w", name, err)
	}
	b.log.Debug("network created", "network", name)
	return nil
}

// Where a task finds the devnet's secrets: swarm secrets, which the swarm
// hands to the tasks that reference them on whatever host they run.
const (
	tokenPath = "/run/secrets/rpc.token"
	keyPath   = "/run/secrets/network.key"
)

// secret is one swarm secret of the devnet.
type secret struct {
	name, file string // secret name; its file name under /run/secrets
	id         string
}

// ensureSecrets creates the devnet's secrets (its control API token, and
// its network key when it NeedsKey) unless they exist. A secret cannot be
// read back, so its name carries the digest of its content: a devnet whose
// state dir was lost (another token) gets new secrets, and its services are
// updated to them when they start.
func (b *Backend) ensureSecrets(ctx context.Context) ([]secret, error) {
	token, err := b.rpcToken()
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	net, layout := b.net, b.layout
	b.mu.Unlock()
	want := []struct {
		kind, file string
		data       []byte
	}{{"rpc-token", "rpc.token", []byte(token + "\n")}}
	if layout.HasKey {
		if len(net.NetworkKey) == 0 {
			return nil, fmt.Errorf("swarm: devnet %s has nodes without a network seed, and no network key to give them", net.Name)
		}
		want = append(want, struct {
			kind, file string
			data       []byte
		}{"network-key", "network.key", net.NetworkKey})
	}
	var out []secret
	for _, w := range want {
		name := fmt.Sprintf("devchain-%s-%s-%s", net.Name, w.kind, compose.Digest(w.data))
		s := secret{name: name, file: w.file}
		res, err := b.cli.SecretInspect(ctx, name, client.SecretInspectOptions{})
		switch {
		case err == nil:
			s.id = res.Secret.ID
		case cerrdefs.IsNotFound(err):
			labels := maps.Clone(compose.NetworkLabels(net.Name))
			created, err := b.cli.SecretCreate(ctx, client.SecretCreateOptions{Spec: swarm.SecretSpec{
				Annotations: swarm.Annotations{Name: name, Labels: labels},
				Data:        w.data,
			}})
			if cerrdefs.IsConflict(err) || cerrdefs.IsAlreadyExists(err) {
				// Another invocation created it meanwhile.
				res, err := b.cli.SecretInspect(ctx, name, client.SecretInspectOptions{})
				if err != nil {
					return nil, fmt.Errorf("swarm: secret %s: %w", name, err)
				}
				s.id = res.Secret.ID
				break
			}
			if err != nil {
				return nil, fmt.Errorf("swarm: create secret %s: %w", name, err)
			}
			s.id = created.ID
		default:
			return nil, fmt.Errorf("swarm: secret %s: %w", name, err)
		}
		out = append(out, s)
	}
	return out, nil
}
