package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devchain/devchain/devnet/kube"
)

func TestK8sCommandWritesManifests(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "k8s")
	out, err := runDevnet(t, t.TempDir(), "k8s", "-f", "../../configs/default.yaml", "-o", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "kubectl apply -k "+dir) {
		t.Errorf("output does not say how to apply it:\n%s", out)
	}
	// configs/default.yaml has steps, which Kubernetes does not run.
	if !strings.Contains(out, "devnet does not run steps on Kubernetes") {
		t.Errorf("no note about the scenario's steps:\n%s", out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(entries, func(e os.DirEntry) bool { return e.Name() == kube.KustomizationFile }) {
		t.Errorf("no %s in %v", kube.KustomizationFile, entries)
	}
}

func TestK8sCommandWithoutStepsSaysNothingOfThem(t *testing.T) {
	f := writeScenario(t, "name: nosteps\nnodes:\n  - name: a\n")
	out, err := runDevnet(t, t.TempDir(), "k8s", "-f", f, "-o", filepath.Join(t.TempDir(), "k8s"))
	if err != nil || strings.Contains(out, "steps") {
		t.Fatalf("err %v, output:\n%s", err, out)
	}
}

func TestK8sCommandBadOutputNamesPath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(file, "k8s")
	_, err := runDevnet(t, t.TempDir(), "k8s", "-f", "../../configs/default.yaml", "-o", dir)
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("want an error naming %s, got %v", dir, err)
	}
}

func TestK8sCommandBadScenarioNamesLine(t *testing.T) {
	f := writeScenario(t, "name: bad\nnodes:\n  - name: a\n    count: 0\n")
	_, err := runDevnet(t, t.TempDir(), "k8s", "-f", f, "-o", filepath.Join(t.TempDir(), "k8s"))
	if err == nil || !strings.Contains(err.Error(), "s.yaml:3:") {
		t.Fatalf("want a file:line error, got %v", err)
	}
}

// Kubernetes gets manifests, not a runtime: asking for one fails clearly.
func TestK8sIsNoRuntime(t *testing.T) {
	state := t.TempDir()
	_, err := runDevnet(t, state, "run", "-f", "../../configs/default.yaml", "--runtime", "k8s")
	if err == nil || !strings.Contains(err.Error(), `runtime "k8s": want docker or process`) {
		t.Fatalf("want the unknown runtime named, got %v", err)
	}
	if entries, _ := os.ReadDir(state); len(entries) != 0 {
		t.Errorf("an unknown runtime left state behind: %v", entries)
	}
}
