package compose_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/backend/docker"
	"github.com/devchain/devchain/devnet/spec"
)

// TestComposeUp runs a rendered file with the machine's docker-compose on
// an image of fakechaind (chaind's test stand-in), checks every node answers
// on its static address, and that removal by label leaves nothing.
func TestComposeUp(t *testing.T) {
	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		t.Skip("docker-compose not installed")
	}
	if err := docker.Ping(t.Context()); err != nil {
		t.Skipf("docker: no engine answers: %v", err)
	}
	if testing.Short() {
		t.Skip("docker-compose up: not in -short")
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "chaind")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", fake, "../internal/fakechaind")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build fakechaind: %v\n%s", err, out)
	}
	image, err := docker.BuildImage(t.Context(), fake, "devchain/chaind-test", nil)
	if err != nil {
		t.Fatal(err)
	}

	b := make([]byte, 4)
	rand.Read(b)
	name := "compose-" + hex.EncodeToString(b)
	net := &spec.Network{Name: name}
	net.Nodes = []spec.Node{
		{Name: "bootstrap", Role: spec.RoleBootstrap, IdentitySeed: name + "/bootstrap"},
		{Name: "peer-1", Role: spec.RoleNode, Rendezvous: name, IdentitySeed: name + "/peer-1", Bootstrap: []string{"bootstrap"}},
	}
	opts := compose.Options{Image: image, Subnet: netip.MustParsePrefix("10.77.253.0/24")}
	// The nodes have no seed: they read the key `devnet compose` keeps.
	if net.NetworkKey, err = backend.MakeNetworkKey(compose.KeyFilePath(dir, name, opts)); err != nil {
		t.Fatal(err)
	}
	out, err := compose.Render(net, opts)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "docker-compose.yml")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	rt, err := docker.New(docker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), time.Minute)
		defer cancel()
		if err := rt.Remove(ctx, name); err != nil {
			t.Errorf("Remove: %v", err)
		}
		if names, err := rt.Devnets(ctx); err != nil || contains(names, name) {
			t.Errorf("after Remove, devnets %v (%v) still hold %s", names, err, name)
		}
		rt.Close()
	})
	up := exec.CommandContext(t.Context(), bin, "-f", file, "-p", name, "up", "-d")
	if msg, err := up.CombinedOutput(); err != nil {
		t.Fatalf("docker-compose up: %v\n%s", err, msg)
	}
	// Both nodes answer on their layout addresses: static IPs, the key
	// mount and the command line were accepted.
	l, err := compose.NewLayout(net, opts.Subnet)
	if err != nil {
		t.Fatal(err)
	}
	hc := http.Client{Timeout: time.Second}
	for _, s := range l.Services {
		url := "http://" + s.IP.String() + ":8545/healthz"
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := hc.Get(url)
			if err == nil {
				resp.Body.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %s does not answer: %v", s.Node.Name, url, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	names, err := rt.Devnets(t.Context())
	if err != nil || !contains(names, name) {
		t.Fatalf("compose objects not labelled for devnet %s: devnets %v (%v)", name, names, err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
