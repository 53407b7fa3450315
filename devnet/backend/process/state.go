package process

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
)

// stateFile holds what a later devnet invocation needs to find the
// processes again: PIDs, ports and paths.
const stateFile = "process.json"

type state struct {
	Name   string                `json:"name"`
	Chaind string                `json:"chaind"`
	Nodes  map[string]*nodeState `json:"nodes"`
	// Partition is the active partition's sides, re-applied to nodes that
	// start while it holds.
	Partition [][]string `json:"partition,omitempty"`
}

type nodeState struct {
	P2PPort int    `json:"p2p_port"`
	RPCPort int    `json:"rpc_port"`
	PID     int    `json:"pid,omitempty"`
	DataDir string `json:"datadir"`
	Log     string `json:"log"`
}

func loadState(dir string) (*state, error) {
	raw, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	var s state
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("process state %s: %w", filepath.Join(dir, stateFile), err)
	}
	if s.Nodes == nil {
		s.Nodes = map[string]*nodeState{}
	}
	return &s, nil
}

// save writes the state atomically so a crash never leaves half a file.
func (s *state) save(dir string) error {
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, stateFile+".tmp")
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return fmt.Errorf("process state: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, stateFile))
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// freePorts returns n distinct free TCP ports on 127.0.0.1. All listeners
// stay open until every port is chosen so none is handed out twice.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("allocating a loopback port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
