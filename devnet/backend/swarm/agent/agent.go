// Package agent is the swarm backend's helper on every swarm node: an HTTP
// server in a global service of the devnet (one task per swarm node), with
// the engine socket of its host mounted, that kills, pauses, unpauses and
// execs into the devnet's node containers of that host, runs offline
// chaind commands on its node volumes, and removes those volumes when the
// devnet goes. The manager's API reaches services wherever they run, but a
// container only through the engine of its own host: this is that engine's
// hand, for devnet on whatever machine it runs.
//
// It holds the engine socket, so it is no general remote shell: every call
// carries the devnet's control API token (the swarm secret the nodes get),
// and it acts only on containers and volumes labelled with its own devnet
// (compose.LabelDevnet), refusing anything else with 403.
//
// The request and response types, the server (Server), the client the
// backend calls it with (Client) and the process's entry point (Main) are
// all here, so the two ends cannot drift apart.
package agent

// Port is the agent's port inside its container; the service publishes it
// in host mode on a port the engine picks, as the nodes' control API.
const Port = 8546

// Role is the value of compose.LabelRole on the agent's service and
// containers: not a chain node's role, so nothing counts it as a node.
const Role = "agent"

// Repo is the agent image's repository; its tag is the content hash of
// the binary (and latest).
const Repo = "devchain/agent"

// MaxBody bounds a request body: an argv and a few labels.
const MaxBody = 1 << 20

// Paths of the API, all POST with a JSON body (ping: GET).
const (
	PathPing          = "/v1/ping"
	PathKill          = "/v1/kill"
	PathPause         = "/v1/pause"
	PathUnpause       = "/v1/unpause"
	PathExec          = "/v1/exec"
	PathRunOnVolume   = "/v1/run-on-volume"
	PathRemoveVolumes = "/v1/remove-volumes"
)

// ContainerRequest names a node's container (its ID or name) for kill,
// pause and unpause; Argv is exec's (`/chaind ARGV` in the container).
type ContainerRequest struct {
	Container string   `json:"container"`
	Argv      []string `json:"argv,omitempty"`
}

// RunOnVolumeRequest runs `/chaind ARGV` of Image in a one-off container
// without network on the node's volume (docker.RunOnVolume). Labels are
// the volume's, if it has to be created; they must name the agent's devnet
// and the node.
type RunOnVolumeRequest struct {
	Image  string            `json:"image"`
	Volume string            `json:"volume"`
	Node   string            `json:"node"`
	Labels map[string]string `json:"labels"`
	Argv   []string          `json:"argv"`
}

// Response is every answer's body. Error is set on a failure (any status
// but 200); Output is a command's standard output, also when it failed.
type Response struct {
	Devnet  string   `json:"devnet,omitempty"`
	Host    string   `json:"host,omitempty"`
	Output  string   `json:"output,omitempty"`
	Removed []string `json:"removed,omitempty"`
	Error   string   `json:"error,omitempty"`
}
