package kube

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	ma "github.com/multiformats/go-multiaddr"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/scenario"
	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/node/identity"
)

// manifests are the files of a rendered folder, decoded strictly.
type manifests struct {
	files     []string // every file in the folder
	kust      kustomization
	ns        []*corev1.Namespace
	secrets   map[string]*corev1.Secret
	services  map[string]*corev1.Service
	sets      []*appsv1.StatefulSet
	jobs      []*batchv1.Job
	namespace map[string]string // file → metadata.namespace
}

// renderInto renders the scenario at file into a new folder and reads it back.
func renderInto(t *testing.T, file string, opts Options) (*scenario.Config, *spec.Network, string, *manifests) {
	t.Helper()
	cfg, net := load(t, file)
	files, err := Render(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "k8s")
	if err := Write(dir, files); err != nil {
		t.Fatal(err)
	}
	return cfg, net, dir, decodeDir(t, dir)
}

// load reads the scenario at file and its network.
func load(t *testing.T, file string) (*scenario.Config, *spec.Network) {
	t.Helper()
	cfg, err := scenario.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	net, err := cfg.Spec()
	if err != nil {
		t.Fatal(err)
	}
	return cfg, net
}

// decodeDir decodes every file of dir into the k8s.io/api type its kind
// names; a field the type does not have fails the test.
func decodeDir(t *testing.T, dir string) *manifests {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := &manifests{secrets: map[string]*corev1.Secret{}, services: map[string]*corev1.Service{}, namespace: map[string]string{}}
	for _, e := range entries {
		m.files = append(m.files, e.Name())
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		obj, err := decodeStrict(raw)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		switch o := obj.(type) {
		case *kustomization:
			m.kust = *o
		case *corev1.Namespace:
			m.ns = append(m.ns, o)
		case *corev1.Secret:
			m.secrets[o.Name] = o
			m.namespace[e.Name()] = o.Namespace
		case *corev1.Service:
			m.services[o.Name] = o
			m.namespace[e.Name()] = o.Namespace
		case *appsv1.StatefulSet:
			m.sets = append(m.sets, o)
			m.namespace[e.Name()] = o.Namespace
		case *batchv1.Job:
			m.jobs = append(m.jobs, o)
			m.namespace[e.Name()] = o.Namespace
		}
	}
	return m
}

// decodeStrict decodes one manifest by its kind, refusing unknown fields.
func decodeStrict(raw []byte) (any, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(raw, &tm); err != nil {
		return nil, err
	}
	var obj any
	switch tm.APIVersion + " " + tm.Kind {
	case "kustomize.config.k8s.io/v1beta1 Kustomization":
		obj = &kustomization{}
	case "v1 Namespace":
		obj = &corev1.Namespace{}
	case "v1 Secret":
		obj = &corev1.Secret{}
	case "v1 Service":
		obj = &corev1.Service{}
	case "apps/v1 StatefulSet":
		obj = &appsv1.StatefulSet{}
	case "batch/v1 Job":
		obj = &batchv1.Job{}
	default:
		return nil, fmt.Errorf("unexpected kind %q %q", tm.APIVersion, tm.Kind)
	}
	return obj, yaml.UnmarshalStrict(raw, obj)
}

// podNamesOf are the names a StatefulSet gives its pods.
func podNamesOf(s *appsv1.StatefulSet) []string {
	start := int32(0)
	if s.Spec.Ordinals != nil {
		start = s.Spec.Ordinals.Start
	}
	var names []string
	for i := int32(0); i < *s.Spec.Replicas; i++ {
		names = append(names, fmt.Sprintf("%s-%d", s.Name, start+i))
	}
	return names
}

// expand does what the kubelet does to a container's arguments: $$ is $,
// $(VAR) is the value of the container's variable VAR (here only the pod's
// name, from the downward API), and a reference to no variable stays as it
// is, which the test refuses: none is meant.
func expand(t *testing.T, c *corev1.Container, pod string) []string {
	t.Helper()
	vars := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != "metadata.name" {
			t.Fatalf("env %s: only the pod's name is expected", e.Name)
		}
		vars[e.Name] = pod
	}
	out := make([]string, len(c.Args))
	for i, a := range c.Args {
		var b strings.Builder
		for j := 0; j < len(a); j++ {
			if a[j] != '$' || j+1 == len(a) {
				b.WriteByte(a[j])
				continue
			}
			switch a[j+1] {
			case '$':
				b.WriteByte('$')
				j++
			case '(':
				end := strings.IndexByte(a[j:], ')')
				if end < 0 {
					t.Fatalf("argument %q: $( without )", a)
				}
				v, ok := vars[a[j+2:j+end]]
				if !ok {
					t.Fatalf("argument %q refers to no variable of the container", a)
				}
				b.WriteString(v)
				j += end
			default:
				b.WriteByte('$')
			}
		}
		out[i] = b.String()
	}
	return out
}

// flagValues are the values of every occurrence of flag in argv.
func flagValues(argv []string, flag string) []string {
	var vals []string
	for i := 0; i+1 < len(argv); i++ {
		if argv[i] == flag {
			vals = append(vals, argv[i+1])
		}
	}
	return vals
}

// checkManifests checks a rendered folder against the scenario's network.
func checkManifests(t *testing.T, net *spec.Network, m *manifests) {
	t.Helper()

	// The kustomization lists exactly the other files, each once.
	var others []string
	for _, f := range m.files {
		if f != KustomizationFile {
			others = append(others, f)
		}
	}
	listed := slices.Clone(m.kust.Resources)
	sort.Strings(listed)
	if !slices.Equal(listed, others) {
		t.Errorf("kustomization lists %v, the folder holds %v", m.kust.Resources, others)
	}

	// One namespace, every object in it, every name a valid DNS name.
	if len(m.ns) != 1 {
		t.Fatalf("%d namespaces, want 1", len(m.ns))
	}
	ns := m.ns[0].Name
	for f, got := range m.namespace {
		if got != ns {
			t.Errorf("%s: namespace %q, want %q", f, got, ns)
		}
	}
	label := func(kind, name string) {
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
			t.Errorf("%s %q: %v", kind, name, errs)
		}
	}
	label("namespace", ns)
	for name := range m.secrets {
		if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
			t.Errorf("secret %q: %v", name, errs)
		}
	}
	for name := range m.services {
		label("service", name)
	}
	for _, j := range m.jobs {
		label("job", j.Name)
	}

	// Every pod template: its volumes and the Secret it reads.
	type template struct {
		owner string
		spec  *corev1.PodSpec
		pvcs  []corev1.PersistentVolumeClaim
	}
	var templates []template
	for _, s := range m.sets {
		templates = append(templates, template{"statefulset " + s.Name, &s.Spec.Template.Spec, s.Spec.VolumeClaimTemplates})
	}
	for _, j := range m.jobs {
		templates = append(templates, template{"job " + j.Name, &j.Spec.Template.Spec, nil})
	}
	for _, tp := range templates {
		volumes := map[string]*corev1.Volume{}
		for i, v := range tp.spec.Volumes {
			volumes[v.Name] = &tp.spec.Volumes[i]
		}
		claims := map[string]bool{}
		for _, c := range tp.pvcs {
			claims[c.Name] = true
		}
		for _, c := range slices.Concat(tp.spec.InitContainers, tp.spec.Containers) {
			for _, vm := range c.VolumeMounts {
				v := volumes[vm.Name]
				if v == nil {
					if !claims[vm.Name] {
						t.Errorf("%s: container %s mounts %q, no volume or claim template", tp.owner, c.Name, vm.Name)
					}
					continue
				}
				if v.Secret == nil {
					continue
				}
				sec := m.secrets[v.Secret.SecretName]
				if sec == nil {
					t.Errorf("%s: volume %s reads secret %q, which is not in the manifests", tp.owner, v.Name, v.Secret.SecretName)
					continue
				}
				if vm.SubPath == "" {
					t.Errorf("%s: the secret is mounted whole at %s; chaind reads one file", tp.owner, vm.MountPath)
				} else if _, ok := sec.Data[vm.SubPath]; !ok {
					t.Errorf("%s: mounts key %q of secret %s, which has no such key", tp.owner, vm.SubPath, sec.Name)
				}
				// chaind reads the key from where the Secret is mounted.
				if got := flagValues(c.Args, "--network-key"); !slices.Equal(got, []string{vm.MountPath}) {
					t.Errorf("%s: --network-key %v, the key is mounted at %s", tp.owner, got, vm.MountPath)
				}
			}
		}
	}

	// StatefulSets: selector, Service, probes, requests, pods and identities.
	byPod := map[string]labels.Set{} // pod → labels
	claimOf := map[string]bool{}     // every claim the StatefulSets make
	devnetNames := map[string]bool{}
	for _, s := range m.sets {
		label("statefulset", s.Name)
		podLabels := labels.Set(s.Spec.Template.Labels)
		sel, err := metav1.LabelSelectorAsSelector(s.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(podLabels) {
			t.Errorf("statefulset %s: selector %v does not select its pods %v (%v)", s.Name, s.Spec.Selector, podLabels, err)
		}
		svc := m.services[s.Spec.ServiceName]
		switch {
		case svc == nil:
			t.Errorf("statefulset %s: serviceName %q names no service", s.Name, s.Spec.ServiceName)
		case svc.Spec.ClusterIP != corev1.ClusterIPNone:
			t.Errorf("service %s: clusterIP %q, want None (headless)", svc.Name, svc.Spec.ClusterIP)
		case len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels):
			t.Errorf("service %s: selector %v does not select the pods of %s %v", svc.Name, svc.Spec.Selector, s.Name, podLabels)
		}
		if len(s.Spec.Template.Spec.Containers) != 1 {
			t.Fatalf("statefulset %s: %d containers, want chaind alone", s.Name, len(s.Spec.Template.Spec.Containers))
		}
		c := &s.Spec.Template.Spec.Containers[0]
		if svc != nil {
			for _, sp := range svc.Spec.Ports {
				if !slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool {
					return cp.Name == sp.TargetPort.String() || strconv.Itoa(int(cp.ContainerPort)) == sp.TargetPort.String()
				}) {
					t.Errorf("service %s: port %s targets %s, which the pods of %s do not have", svc.Name, sp.Name, sp.TargetPort.String(), s.Name)
				}
			}
		}
		for name, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
			if p == nil || p.Exec == nil || len(p.Exec.Command) < 2 || path.Base(p.Exec.Command[0]) != "chaind" || p.Exec.Command[1] != "healthcheck" {
				t.Errorf("statefulset %s: %s probe %+v, want exec of chaind healthcheck", s.Name, name, p)
			}
		}
		if got := c.Resources.Requests.Memory(); got.String() != MemoryRequest {
			t.Errorf("statefulset %s: memory request %s, want %s", s.Name, got, MemoryRequest)
		}
		for _, pod := range podNamesOf(s) {
			label("pod", pod)
			byPod[pod] = podLabels
			for _, tmpl := range s.Spec.VolumeClaimTemplates {
				claimOf[tmpl.Name+"-"+pod] = true
			}
			// A group's pods carry their members' names; a single
			// node's pod is reached by its Service's name.
			name := pod
			if s.Spec.Ordinals == nil && *s.Spec.Replicas == 1 {
				name = s.Spec.ServiceName
			}
			devnetNames[name] = true
			n, ok := net.Node(name)
			if !ok {
				t.Errorf("statefulset %s: pod %s stands for %q, not a node of the devnet", s.Name, pod, name)
				continue
			}
			argv := expand(t, c, pod)
			seeds := flagValues(argv, "--identity-seed")
			if len(seeds) != 1 {
				t.Errorf("pod %s: --identity-seed %v", pod, seeds)
				continue
			}
			if id, err := identity.PeerIDFromSeed(seeds[0]); err != nil || id.String() != n.PeerID {
				t.Errorf("pod %s: identity seed %q gives peer %s, devnet's %s has %s (%v)", pod, seeds[0], id, name, n.PeerID, err)
			}
			checkBootstrap(t, m, net, pod, argv, n)
			// Peers save a chain node's own DNS name: the pod under its
			// StatefulSet's headless Service, which must exist. (A
			// bootstrap is dialled by its Service's name already.)
			if got, want := flagValues(argv, "--announce"), fmt.Sprintf("/dns4/%s.%s/tcp/%d", pod, s.Spec.ServiceName, compose.P2PPort); n.Role == spec.RoleNode && (len(got) != 1 || got[0] != want || m.services[s.Spec.ServiceName] == nil) {
				t.Errorf("pod %s: --announce %v, want [%s] under an existing Service", pod, got, want)
			}
		}
	}
	want := map[string]bool{}
	for _, n := range net.Nodes {
		want[n.Name] = true
	}
	if !mapsEqual(devnetNames, want) {
		t.Errorf("pods stand for %v, the devnet has %v", sortedKeys(devnetNames), sortedKeys(want))
	}

	// Services select only their own StatefulSet's pods; Jobs' pods none.
	for _, svc := range m.services {
		sel := labels.SelectorFromSet(svc.Spec.Selector)
		for pod, l := range byPod {
			if sel.Matches(l) && l[LabelGroup] != svc.Name {
				t.Errorf("service %s selects pod %s of another StatefulSet", svc.Name, pod)
			}
		}
		for _, j := range m.jobs {
			if sel.Matches(labels.Set(j.Spec.Template.Labels)) {
				t.Errorf("service %s selects the pods of job %s", svc.Name, j.Name)
			}
		}
	}
	// A Job reaches a node's volume by the claim its StatefulSet made, next
	// to that node's pod.
	for _, j := range m.jobs {
		for _, v := range j.Spec.Template.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && !claimOf[v.PersistentVolumeClaim.ClaimName] {
				t.Errorf("job %s: claim %q is made by no StatefulSet", j.Name, v.PersistentVolumeClaim.ClaimName)
			}
		}
		a := j.Spec.Template.Spec.Affinity
		if a == nil || a.PodAffinity == nil || len(a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution) != 1 {
			t.Errorf("job %s: no required pod affinity to the node's pod", j.Name)
			continue
		}
		pod := a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0].LabelSelector.MatchLabels[appsv1.StatefulSetPodNameLabel]
		if byPod[pod] == nil {
			t.Errorf("job %s: affinity to pod %q, which no StatefulSet makes", j.Name, pod)
		}
	}
}

// checkBootstrap: a chain node dials each bootstrap by its Service's DNS
// name, which selects the bootstrap's pod, and by its peer ID.
func checkBootstrap(t *testing.T, m *manifests, net *spec.Network, pod string, argv []string, n *spec.Node) {
	t.Helper()
	addrs := flagValues(argv, "-bootstrap")
	if len(addrs) != len(n.Bootstrap) {
		t.Errorf("pod %s: -bootstrap %v, want %d", pod, addrs, len(n.Bootstrap))
		return
	}
	for i, a := range addrs {
		boot, _ := net.Node(n.Bootstrap[i])
		addr, err := ma.NewMultiaddr(a)
		if err != nil {
			t.Errorf("pod %s: bootstrap %q: %v", pod, a, err)
			continue
		}
		host, errHost := addr.ValueForProtocol(ma.P_DNS4)
		id, errID := addr.ValueForProtocol(ma.P_P2P)
		if errHost != nil || errID != nil {
			t.Errorf("pod %s: bootstrap %q is not /dns4/NAME/…/p2p/ID", pod, a)
			continue
		}
		svc := m.services[host]
		if svc == nil || svc.Spec.Selector[LabelGroup] != boot.Name {
			t.Errorf("pod %s: bootstrap host %q is not the Service of %s", pod, host, boot.Name)
		}
		if id != boot.PeerID {
			t.Errorf("pod %s: bootstrap peer %s, %s is %s", pod, id, boot.Name, boot.PeerID)
		}
	}
}

func mapsEqual(a, b map[string]bool) bool {
	return slices.Equal(sortedKeys(a), sortedKeys(b))
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestKubeScaleManifests(t *testing.T) {
	cfg, net, _, m := renderInto(t, "../../configs/scale.yaml", Options{Source: "configs/scale.yaml"})
	checkManifests(t, net, m)
	if n := len(cfg.ChainNodes()); n != 50 {
		t.Fatalf("scale.yaml has %d chain nodes, the test is about 50", n)
	}
	// The group's 49 pods are peer-1…peer-49, devnet's names, in one set.
	var peer *appsv1.StatefulSet
	for _, s := range m.sets {
		if s.Name == "peer" {
			peer = s
		}
	}
	if peer == nil {
		t.Fatal("no StatefulSet peer")
	}
	want := make([]string, 49)
	for i := range want {
		want[i] = fmt.Sprintf("peer-%d", i+1)
	}
	if got := podNamesOf(peer); !slices.Equal(got, want) {
		t.Errorf("pods of peer: %v", got)
	}
	// No seed: a random key in the form chaind reads.
	key := m.secrets[secretName].Data[secretKey]
	if psk, err := identity.ReadNetworkKey(writeTemp(t, key)); err != nil || len(psk) != 32 {
		t.Errorf("network key %q: %v", key, err)
	}
}

func TestKubeDefaultManifests(t *testing.T) {
	_, net, _, m := renderInto(t, "../../configs/default.yaml", Options{Image: "registry.example/chaind:1"})
	checkManifests(t, net, m)
	// The seed's key, the one devnet's nodes derive.
	want := identity.EncodeNetworkKey(identity.NetworkKeyFromSeed("default"))
	if got := m.secrets[secretName].Data[secretKey]; !bytes.Equal(got, want) {
		t.Errorf("network key %q, want the seed's %q", got, want)
	}
	// The miner's wallet is made by a Job, on the miner's volume.
	if len(m.jobs) != 1 || m.jobs[0].Name != "miner-0-wallet-w1" {
		t.Fatalf("jobs %v, want miner-0-wallet-w1", m.jobs)
	}
	if args := m.jobs[0].Spec.Template.Spec.Containers[0].Args; !slices.Equal(args[:3], []string{"createwallet", "-alias", "w1"}) {
		t.Errorf("wallet job runs %v", args)
	}
	for _, s := range m.sets {
		if c := s.Spec.Template.Spec.Containers[0]; c.Image != "registry.example/chaind:1" || c.ImagePullPolicy != corev1.PullIfNotPresent {
			t.Errorf("statefulset %s: image %s, pull policy %q", s.Name, c.Image, c.ImagePullPolicy)
		}
	}
}

// The strict decoding the tests rely on refuses a field no type has.
func TestKubeStrictDecodingRefusesUnknownFields(t *testing.T) {
	_, _, dir, _ := renderInto(t, "../../configs/default.yaml", Options{})
	raw, err := os.ReadFile(filepath.Join(dir, "statefulset-peer.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeStrict(raw); err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(raw, []byte("\nspec:\n"), []byte("\nspec:\n  replicaz: 3\n"), 1)
	if bytes.Equal(bad, raw) {
		t.Fatal("no spec: line to add a field under")
	}
	if _, err := decodeStrict(bad); err == nil || !strings.Contains(err.Error(), "replicaz") {
		t.Errorf("an unknown field decoded: %v", err)
	}
}

// A second render into the folder keeps its random key; a new one differs.
func TestKubeKeepsRandomKey(t *testing.T) {
	cfg, _, dir, m := renderInto(t, "../../configs/scale.yaml", Options{})
	key, err := ReadNetworkKey(dir)
	if err != nil || !bytes.Equal(key, m.secrets[secretName].Data[secretKey]) {
		t.Fatalf("kept key %q (%v), the folder's is %q", key, err, m.secrets[secretName].Data[secretKey])
	}
	again, err := Render(cfg, Options{NetworkKey: key})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Render(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if secretOf(t, again) != string(key) || secretOf(t, fresh) == string(key) {
		t.Errorf("kept render: %q, fresh render: %q, key %q", secretOf(t, again), secretOf(t, fresh), key)
	}
	// A damaged key is an error naming the file, not a key nodes would
	// never meet with.
	path := filepath.Join(dir, secretFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	encoded := base64.StdEncoding.EncodeToString(key)
	damaged := base64.StdEncoding.EncodeToString(append(bytes.TrimSuffix(key, []byte("\n")), "00\n"...))
	if !bytes.Contains(raw, []byte(encoded)) {
		t.Fatalf("%s does not hold the key as base64", path)
	}
	if err := os.WriteFile(path, bytes.Replace(raw, []byte(encoded), []byte(damaged), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if key, err := ReadNetworkKey(dir); key != nil || err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("damaged key: %q, %v", key, err)
	}
	// A seed's key is not carried over to a scenario without one.
	_, _, seeded, _ := renderInto(t, "../../configs/default.yaml", Options{})
	if key, err := ReadNetworkKey(seeded); key != nil || err != nil {
		t.Errorf("seed's key kept: %q, %v", key, err)
	}
}

func secretOf(t *testing.T, files []File) string {
	t.Helper()
	for _, f := range files {
		if f.Name == secretFile {
			var s corev1.Secret
			if err := yaml.UnmarshalStrict(f.Data, &s); err != nil {
				t.Fatal(err)
			}
			return string(s.Data[secretKey])
		}
	}
	t.Fatal("no secret")
	return ""
}

func TestKubeUnwritableOutputNamesPath(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(notDir, "k8s")
	err := Write(out, []File{{Name: "a.yaml", Data: []byte("a: 1\n"), Mode: 0o644}})
	if err == nil || !strings.Contains(err.Error(), out) {
		t.Fatalf("want an error naming %s, got %v", out, err)
	}
}

// A scenario name may end in a dash; a Kubernetes name may not.
func TestKubeRefusesInvalidNames(t *testing.T) {
	f := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(f, []byte("name: dash\nnodes:\n  - name: miner-\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _ := load(t, f)
	if _, err := Render(cfg, Options{}); err == nil || !strings.Contains(err.Error(), `StatefulSet and Service "miner-": not a valid Kubernetes name`) {
		t.Fatalf("want the name refused, got %v", err)
	}
}

// Members of a group share a pod template, so they must launch alike.
func TestKubeGroupMembersMustLaunchAlike(t *testing.T) {
	cfg, net := load(t, "../../configs/default.yaml")
	units, err := unitsOf(cfg, net)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := render(net, units, Options{}); err != nil {
		t.Fatal(err)
	}
	for i := range units {
		if units[i].group {
			units[i].nodes[1].MaxPeers = 99
		}
	}
	if _, err := render(net, units, Options{}); err == nil || !strings.Contains(err.Error(), "peer-1 and peer-2 launch with different flags") {
		t.Fatalf("want the members named, got %v", err)
	}
}

func writeTemp(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A $ in a scenario's strings reaches chaind as written: Kubernetes would
// read $(POD_NAME) and $$ in the seed otherwise, and peer IDs would differ.
func TestKubeDollarsInSeed(t *testing.T) {
	f := filepath.Join(t.TempDir(), "s.yaml")
	body := "name: dollars\nnetwork:\n  seed: a$$b$(POD_NAME)$\n  rendezvous: r$(x)\nnodes:\n  - name: peer\n    count: 3\n"
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	_, net, _, m := renderInto(t, f, Options{})
	checkManifests(t, net, m)
	for _, s := range m.sets {
		if got := flagValues(expand(t, &s.Spec.Template.Spec.Containers[0], "x"), "-rendezvous"); s.Name == "peer" && !slices.Equal(got, []string{"r$(x)"}) {
			t.Errorf("rendezvous %v, want r$(x)", got)
		}
	}
}

// kubectl's own kustomize (no cluster needed) builds the folder into every
// object the kustomization lists. Without kubectl the strict decoding
// above is the check.
func TestKubeKustomizeBuilds(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("no kubectl on PATH")
	}
	_, _, dir, m := renderInto(t, "../../configs/scale.yaml", Options{})
	out, err := exec.Command(kubectl, "kustomize", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v\n%s", err, out)
	}
	if docs := strings.Count("\n"+string(out), "\n---\n") + 1; docs != len(m.kust.Resources) {
		t.Errorf("kustomize built %d objects, the kustomization lists %d", docs, len(m.kust.Resources))
	}
}
