package compose

import (
	"bytes"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/devchain/devchain/devnet/spec"
)

// Options tune Render; the zero value renders the default.
type Options struct {
	// Subnet of the devnet network; DefaultSubnet if zero.
	Subnet netip.Prefix
	// Image run by every service; LatestImage if empty (what `make image` tags).
	Image string
	// KeyFile is the host path of the network key file, relative to the
	// compose file's folder; DefaultKeyFile(name) if empty (see KeyFilePath).
	KeyFile string
	// Source names what the file was generated from, for its header comment.
	Source string
}

// DefaultKeyFile is where a rendered compose file of a network with key
// bytes expects its key: beside the compose file, not in devnet's state
// folder, which `devnet down` removes with everything in it.
func DefaultKeyFile(devnet string) string { return devnet + ".network.key" }

func (o Options) withDefaults(devnet string) Options {
	if !o.Subnet.IsValid() {
		o.Subnet = DefaultSubnet
	}
	if o.Image == "" {
		o.Image = LatestImage
	}
	if o.KeyFile == "" {
		o.KeyFile = DefaultKeyFile(devnet)
	}
	return o
}

// The compose file format 2.4 (docker-compose 1.29 understands it, with
// static ipv4_address, healthchecks and depends_on conditions). Field order
// here is the order in the file; yaml.v3 sorts map keys, so output is stable.
type file struct {
	Version  string                `yaml:"version"`
	Services map[string]service    `yaml:"services"`
	Networks map[string]network    `yaml:"networks"`
	Volumes  map[string]volumeSpec `yaml:"volumes"`
}

type service struct {
	Image           string                    `yaml:"image"`
	ContainerName   string                    `yaml:"container_name"`
	Command         []string                  `yaml:"command,flow"`
	Init            bool                      `yaml:"init,omitempty"`
	Restart         string                    `yaml:"restart"`
	StopGracePeriod string                    `yaml:"stop_grace_period,omitempty"`
	Labels          map[string]string         `yaml:"labels"`
	NetworkMode     string                    `yaml:"network_mode,omitempty"`
	Networks        map[string]serviceNetwork `yaml:"networks,omitempty"`
	Volumes         []string                  `yaml:"volumes"`
	Healthcheck     *healthcheck              `yaml:"healthcheck,omitempty"`
	DependsOn       map[string]dependency     `yaml:"depends_on,omitempty"`
}

type serviceNetwork struct {
	IPv4Address string `yaml:"ipv4_address"`
}

type healthcheck struct {
	Test        []string `yaml:"test,flow"`
	Interval    string   `yaml:"interval"`
	Timeout     string   `yaml:"timeout"`
	StartPeriod string   `yaml:"start_period"`
	Retries     int      `yaml:"retries"`
}

type dependency struct {
	Condition string `yaml:"condition"`
}

type network struct {
	Name   string            `yaml:"name"`
	Driver string            `yaml:"driver"`
	Labels map[string]string `yaml:"labels"`
	IPAM   ipam              `yaml:"ipam"`
}

type ipam struct {
	Config []ipamConfig `yaml:"config"`
}

type ipamConfig struct {
	Subnet  string `yaml:"subnet"`
	Gateway string `yaml:"gateway"`
}

type volumeSpec struct {
	Name   string            `yaml:"name"`
	Labels map[string]string `yaml:"labels"`
}

// StopGrace is how long a node gets between SIGTERM and SIGKILL.
const StopGrace = 10 * time.Second

// networkKey is the compose-file key of the devnet network.
const networkKey = "devnet"

// Render writes net as a docker-compose file: the same names, addresses,
// labels, command lines and healthcheck as the docker runtime uses.
func Render(net *spec.Network, opts Options) ([]byte, error) {
	opts = opts.withDefaults(net.Name)
	l, err := NewLayout(net, opts.Subnet)
	if err != nil {
		return nil, err
	}
	f := file{
		Version:  "2.4",
		Services: make(map[string]service, len(l.Services)),
		Networks: map[string]network{networkKey: {
			Name:   l.Network,
			Driver: "bridge",
			Labels: NetworkLabels(l.Devnet),
			IPAM:   ipam{Config: []ipamConfig{{Subnet: l.Subnet.String(), Gateway: l.Gateway.String()}}},
		}},
		Volumes: make(map[string]volumeSpec, len(l.Services)),
	}
	hc := l.Healthcheck()
	for _, s := range l.Services {
		svc := service{
			Image:         opts.Image,
			ContainerName: s.Container,
			Command:       s.Cmd,
			Init:          true,
			// A minter started before its wallet exists exits; it is
			// started again once its wallet service has created it.
			Restart:         "on-failure",
			StopGracePeriod: duration(StopGrace),
			Labels:          s.Labels,
			Networks:        map[string]serviceNetwork{networkKey: {IPv4Address: s.IP.String()}},
			Volumes:         []string{s.Node.Name + ":" + DataDir},
			Healthcheck: &healthcheck{
				Test:        hc.Test,
				Interval:    duration(hc.Interval),
				Timeout:     duration(hc.Timeout),
				StartPeriod: duration(hc.StartPeriod),
				Retries:     hc.Retries,
			},
		}
		if l.HasKey {
			svc.Volumes = append(svc.Volumes, "./"+strings.TrimPrefix(opts.KeyFile, "./")+":"+KeyPath+":ro")
		}
		// A node starts once the bootstraps it dials answer their healthcheck.
		for _, b := range s.Node.Bootstrap {
			if svc.DependsOn == nil {
				svc.DependsOn = map[string]dependency{}
			}
			svc.DependsOn[b] = dependency{Condition: "service_healthy"}
		}
		for _, alias := range startWallets(&s.Node) {
			name := s.Node.Name + "-wallet-" + alias
			f.Services[name] = walletService(l, &s, alias, opts.Image)
			if svc.DependsOn == nil {
				svc.DependsOn = map[string]dependency{}
			}
			svc.DependsOn[name] = dependency{Condition: "service_started"}
		}
		f.Services[s.Node.Name] = svc
		f.Volumes[s.Node.Name] = volumeSpec{Name: s.Volume, Labels: s.Labels}
	}
	var buf bytes.Buffer
	header := "# devnet " + l.Devnet + " as a docker-compose file (docker-compose 1.29: `make image` then `docker-compose up`)."
	if opts.Source != "" {
		header += "\n# Generated by `devnet compose -f " + opts.Source + "`; edit the scenario, not this file."
	}
	if l.HasKey {
		header += "\n# The network key is read from ./" + strings.TrimPrefix(opts.KeyFile, "./") + " (`devnet compose` writes it)."
	}
	buf.WriteString(header + "\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("compose: devnet %s: %w", net.Name, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("compose: devnet %s: %w", net.Name, err)
	}
	return buf.Bytes(), nil
}

// startWallets are the wallet aliases a node needs before it can start: its
// minter. devnet creates wallets offline before the first start (backend
// Exec); a compose file does it with a one-shot service per wallet. An
// address (25-byte base58, 33+ characters) needs no wallet.
func startWallets(n *spec.Node) []string {
	if n.Minter == "" || len(n.Minter) >= 26 {
		return nil
	}
	return []string{n.Minter}
}

// walletService creates a wallet in the node's volume, offline, once: on a
// later `up` the alias exists, the service exits 1, and nothing waits on it.
func walletService(l *Layout, s *Service, alias, image string) service {
	labels := NetworkLabels(l.Devnet)
	labels[LabelNode] = s.Node.Name
	labels[LabelExec] = "wallet"
	return service{
		Image:         image,
		ContainerName: s.Container + "-wallet-" + alias,
		Command:       s.Node.CommandArgv(DataDir, []string{"createwallet", "-alias", alias}),
		Restart:       "no",
		Labels:        labels,
		NetworkMode:   "none",
		Volumes:       []string{s.Node.Name + ":" + DataDir},
	}
}

// KeyFilePath is the host path of the network key file that a compose file
// rendered with opts in folder dir mounts (when its layout HasKey). The
// compose file holds no key: `devnet compose` keeps one there.
func KeyFilePath(dir, devnet string, opts Options) string {
	return filepath.Join(dir, filepath.FromSlash(opts.withDefaults(devnet).KeyFile))
}

// duration writes d the way compose reads it ("10s", "1m30s").
func duration(d time.Duration) string { return d.String() }
