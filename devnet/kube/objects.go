package kube

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/node/wallet"
)

// MemoryRequest is the memory every node's pod requests. An idle node's
// RSS measured in this repository is 27–29 MB in the 4-node docker devnet
// and 35.5 MB on average at 50 nodes (README, Performance, "idle node
// RSS"); 64Mi leaves room above that for syncing and mining at devnet
// difficulty. There is no limit: under tx load a node's RSS reaches about
// 90 MB (README, the docker tx load), and a limit would kill a busy node
// where a request only places it.
const MemoryRequest = "64Mi"

// DataVolumeSize is the storage each node's data volume claims: a devnet's
// chain, wallets and peer DB take a few MB.
const DataVolumeSize = "1Gi"

// LabelGroup names the StatefulSet a pod belongs to: the scenario's group,
// or the single node's name. A group's pods share one template, so unlike
// compose.LabelNode it cannot name each pod; the StatefulSet adds that
// (appsv1.StatefulSetPodNameLabel).
const LabelGroup = "devchain.group"

// Names inside the manifests.
const (
	namespaceFile = "namespace.yaml"
	secretFile    = "secret-network-key.yaml"
	// KustomizationFile lists the others, for `kubectl apply -k`.
	KustomizationFile = "kustomization.yaml"

	secretName = "network-key"
	// secretKey is the key file's name in the Secret, mounted at
	// compose.KeyPath, where every chaind container of ours reads it.
	secretKey     = "network.key"
	dataVolume    = "data"
	keyVolume     = "network-key"
	containerName = "chaind"
	// portP2P and portRPC name the container's ports, which the Services
	// target by name.
	portP2P = "p2p"
	portRPC = "rpc"
	// podNameEnv holds the pod's name, which Kubernetes substitutes for
	// $(POD_NAME) in the container's arguments: every pod announces its
	// DNS name from it, and a group's pods derive their identities from it.
	podNameEnv = "POD_NAME"

	// annotationKeySource on the Secret: keySeed or keyRandom.
	annotationKeySource = "devchain.network-key"
	keySeed             = "seed"
	keyRandom           = "random"
)

// livenessFailures is how many failed health checks in a row restart a
// node: a minute of compose.Healthcheck's interval, longer than readiness
// (Retries), so a node slow to answer while it syncs is taken out of
// `kubectl wait` before it is killed.
const livenessFailures = 6

// imagePullPolicy lets pods run an image loaded into the cluster's nodes
// (`kind load docker-image`): our image comes from `make image`, not from a
// registry, and a :latest tag would otherwise be pulled every time.
const imagePullPolicy = corev1.PullIfNotPresent

var (
	memoryRequest  = resource.MustParse(MemoryRequest)
	dataVolumeSize = resource.MustParse(DataVolumeSize)
)

// renderer builds the objects of one devnet.
type renderer struct {
	devnet, ns, image string
	bootstrap         map[string]string // bootstrap node name → bootstrapAddr
}

func (r *renderer) meta(name string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: r.ns, Labels: labels}
}

// devnetLabels are on every object of the devnet.
func (r *renderer) devnetLabels() map[string]string {
	return map[string]string{
		compose.LabelDevnet:            r.devnet,
		"app.kubernetes.io/instance":   r.devnet,
		"app.kubernetes.io/part-of":    "devchain",
		"app.kubernetes.io/managed-by": "devnet",
	}
}

// selector selects u's pods, and no other pod of the devnet.
func (r *renderer) selector(u *unit) map[string]string {
	return map[string]string{compose.LabelDevnet: r.devnet, LabelGroup: u.name}
}

// podLabels are the labels of u's StatefulSet, Service and pods.
func (r *renderer) podLabels(u *unit) map[string]string {
	l := r.devnetLabels()
	l[LabelGroup] = u.name
	l[compose.LabelRole] = string(u.nodes[0].Role)
	l["app.kubernetes.io/name"] = "chaind"
	l["app.kubernetes.io/component"] = string(u.nodes[0].Role)
	return l
}

func (r *renderer) namespace() *corev1.Namespace {
	return &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: r.ns, Labels: r.devnetLabels()},
	}
}

// secret holds the network key; its annotation tells whether the key is
// the seed's or a random one, which ReadNetworkKey keeps.
func (r *renderer) secret(key []byte, source string) *corev1.Secret {
	m := r.meta(secretName, r.devnetLabels())
	m.Annotations = map[string]string{annotationKeySource: source}
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: m,
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{secretKey: key},
	}
}

// service gives u's pods their DNS names: <name> for a single node (the
// bootstrap's is what chain nodes dial) and <pod>.<name> for each pod.
// Addresses are published before pods are ready: peers find each other
// while they start, as in devnet.
func (r *renderer) service(u *unit) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: r.meta(u.name, r.podLabels(u)),
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			Selector:                 r.selector(u),
			PublishNotReadyAddresses: true,
			Ports: []corev1.ServicePort{
				{Name: portP2P, Port: compose.P2PPort, TargetPort: intstr.FromString(portP2P)},
				{Name: portRPC, Port: compose.RPCPort, TargetPort: intstr.FromString(portRPC)},
			},
		},
	}
}

func (r *renderer) statefulSet(u *unit) (*appsv1.StatefulSet, error) {
	args, err := r.args(u)
	if err != nil {
		return nil, err
	}
	labels := r.podLabels(u)
	c := corev1.Container{
		Name:            containerName,
		Image:           r.image,
		ImagePullPolicy: imagePullPolicy,
		Args:            args,
		Ports: []corev1.ContainerPort{
			{Name: portP2P, ContainerPort: compose.P2PPort},
			{Name: portRPC, ContainerPort: compose.RPCPort},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: dataVolume, MountPath: compose.DataDir},
			{Name: keyVolume, MountPath: compose.KeyPath, SubPath: secretKey, ReadOnly: true},
		},
		Resources:      corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: memoryRequest}},
		ReadinessProbe: healthProbe(int32(compose.Healthcheck.Retries)),
		LivenessProbe:  healthProbe(livenessFailures),
	}
	c.Env = []corev1.EnvVar{{Name: podNameEnv, ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"},
	}}}
	replicas := int32(len(u.nodes))
	grace := int64(compose.StopGrace / time.Second)
	keyMode := int32(0o400)
	sts := &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: r.meta(u.name, labels),
		Spec: appsv1.StatefulSetSpec{
			Replicas:    &replicas,
			ServiceName: u.name,
			Selector:    &metav1.LabelSelector{MatchLabels: r.selector(u)},
			// Nodes start together, as devnet starts them; one at a time
			// would wait for each to be ready.
			PodManagementPolicy: appsv1.ParallelPodManagement,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers:                    []corev1.Container{c},
					TerminationGracePeriodSeconds: &grace,
					Volumes: []corev1.Volume{{Name: keyVolume, VolumeSource: corev1.VolumeSource{
						Secret: &corev1.SecretVolumeSource{SecretName: secretName, DefaultMode: &keyMode},
					}}},
				},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
				ObjectMeta: metav1.ObjectMeta{Name: dataVolume, Labels: labels},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: dataVolumeSize}},
				},
			}},
		},
	}
	if u.group {
		// Pods <group>-1…<group>-N: the names devnet gives the members.
		sts.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: 1}
	}
	return sts, nil
}

// healthProbe runs compose.Healthcheck's command (chaind healthcheck on the
// node's control API) on compose.Healthcheck's schedule.
func healthProbe(failures int32) *corev1.Probe {
	hc := compose.Healthcheck
	return &corev1.Probe{
		// Test[0] is docker's "CMD"; the rest is the command.
		ProbeHandler:        corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: hc.Test[1:]}},
		InitialDelaySeconds: int32(hc.StartPeriod / time.Second),
		PeriodSeconds:       int32(hc.Interval / time.Second),
		TimeoutSeconds:      int32(hc.Timeout / time.Second),
		FailureThreshold:    failures,
	}
}

// placement is where a node's pod runs it: compose's container layout, the
// key from the Secret, and the bootstraps by their Service's DNS name.
func (r *renderer) placement(n *spec.Node) (spec.Placement, error) {
	p := spec.Placement{
		DataDir:    compose.DataDir,
		ListenHost: "0.0.0.0",
		P2PPort:    compose.P2PPort,
		RPCAddr:    "0.0.0.0:" + strconv.Itoa(compose.RPCPort),
		NetworkKey: compose.KeyPath,
	}
	for _, b := range n.Bootstrap {
		addr, ok := r.bootstrap[b]
		if !ok {
			return p, fmt.Errorf("devnet %s: node %s: bootstrap %q is not a bootstrap node of the devnet", r.devnet, n.Name, b)
		}
		p.Bootstrap = append(p.Bootstrap, addr)
	}
	return p, nil
}

// args is the chaind command line of u's pods, from spec.Node.Argv. Every
// pod reads the network key from the Secret (a seed's key is put there), so
// the seed is not passed. A group's pods share one template: each derives
// its identity from its own name ($(POD_NAME), the member's devnet name),
// which gives devnet's identity seed "<seed>/<member>"; every member must
// then launch with the same line, or the template would be wrong for some.
func (r *renderer) args(u *unit) ([]string, error) {
	var want []string
	for i := range u.nodes {
		n := u.nodes[i] // a copy, changed below
		n.NetworkSeed = ""
		if u.group {
			prefix, ok := strings.CutSuffix(n.IdentitySeed, n.Name)
			if !ok {
				return nil, fmt.Errorf("devnet %s: node %s: identity seed %q does not end in the node's name, so its pod cannot derive it from its own", r.devnet, n.Name, n.IdentitySeed)
			}
			n.IdentitySeed = prefix + podNameRef
		}
		p, err := r.placement(&n)
		if err != nil {
			return nil, err
		}
		// Peers save the pod's DNS name, not its IP: a pod rescheduled
		// elsewhere keeps its name, so their peer DB still finds it.
		p.Announce = []string{fmt.Sprintf("/dns4/%s.%s/tcp/%d", podNameRef, u.name, compose.P2PPort)}
		argv := kubeArgs(n.Argv(p))
		if i == 0 {
			want = argv
		} else if !slices.Equal(argv, want) {
			return nil, fmt.Errorf("devnet %s: group %s: %s and %s launch with different flags, so they cannot share one pod template", r.devnet, u.name, u.nodes[0].Name, n.Name)
		}
	}
	return want, nil
}

// walletJobs create the wallet of each of u's minters that mines to an
// alias (an address needs none) on the minter's data volume, once: the
// Job's pod runs beside the node's pod (a ReadWriteOnce volume is shared
// only on one machine) and mounts the claim the StatefulSet made for it.
func (r *renderer) walletJobs(u *unit) ([]*batchv1.Job, error) {
	var jobs []*batchv1.Job
	pods := podNames(u)
	for i := range u.nodes {
		n := &u.nodes[i]
		if n.Minter == "" {
			continue
		}
		if _, err := wallet.DecodeAddress(n.Minter); err == nil {
			continue
		}
		pod := pods[i]
		name := pod + "-wallet-" + n.Minter
		if err := dnsLabel(name); err != nil {
			return nil, fmt.Errorf("devnet %s: node %s: the Job creating its wallet %q: %w", r.devnet, n.Name, n.Minter, err)
		}
		labels := r.devnetLabels()
		labels[compose.LabelNode] = n.Name
		labels[compose.LabelExec] = "wallet"
		jobs = append(jobs, &batchv1.Job{
			TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
			ObjectMeta: r.meta(name, labels),
			Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyOnFailure,
					Containers: []corev1.Container{{
						Name:            containerName,
						Image:           r.image,
						ImagePullPolicy: imagePullPolicy,
						Args:            kubeArgs(n.CommandArgv(compose.DataDir, []string{"createwallet", "-alias", n.Minter})),
						VolumeMounts:    []corev1.VolumeMount{{Name: dataVolume, MountPath: compose.DataDir}},
					}},
					Volumes: []corev1.Volume{{Name: dataVolume, VolumeSource: corev1.VolumeSource{
						PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName(pod)},
					}}},
					Affinity: &corev1.Affinity{PodAffinity: &corev1.PodAffinity{
						RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
							LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{
								compose.LabelDevnet:            r.devnet,
								appsv1.StatefulSetPodNameLabel: pod,
							}},
							TopologyKey: corev1.LabelHostname,
						}},
					}},
				},
			}},
		})
	}
	return jobs, nil
}

// podNameRef stands for the pod's name in a group's command line until
// kubeArgs turns it into a reference to podNameEnv.
const podNameRef = "\x00pod-name\x00"

// kubeArgs is argv as a container's args. Kubernetes reads $(VAR) in them
// as a variable of the container and $$ as $, so each $ of a scenario's
// strings (a seed, a rendezvous, an alias) is doubled to reach chaind as
// written, and podNameRef becomes $(POD_NAME).
func kubeArgs(argv []string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = strings.ReplaceAll(strings.ReplaceAll(a, "$", "$$"), podNameRef, "$("+podNameEnv+")")
	}
	return out
}

// claimName is the name a StatefulSet gives the data volume claim of pod.
func claimName(pod string) string { return dataVolume + "-" + pod }

// dnsLabel checks a name Kubernetes takes as a DNS label (RFC 1123).
func dnsLabel(name string) error {
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return fmt.Errorf("not a valid Kubernetes name: %s", strings.Join(errs, "; "))
	}
	return nil
}

// kustomization is the kustomization file `kubectl apply -k` reads.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

func newKustomization(files []string) *kustomization {
	return &kustomization{APIVersion: "kustomize.config.k8s.io/v1beta1", Kind: "Kustomization", Resources: files}
}

// encode writes obj as YAML after the header and note comments, without
// the empty status the API types always write: the cluster fills it in.
func encode(header, note string, obj any) ([]byte, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var fields map[string]any
	if err := json.Unmarshal(j, &fields); err != nil {
		return nil, err
	}
	delete(fields, "status")
	y, err := yaml.Marshal(fields)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(header + "\n")
	if note != "" {
		b.WriteString("# " + note + "\n")
	}
	b.Write(y)
	return []byte(b.String()), nil
}
