package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/spec"
	"github.com/devchain/devchain/node/controlapi"
)

// NodeInfo is one row of `devnet status` (and of the table `up` prints).
type NodeInfo struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	PeerID   string `json:"peer_id"`
	Address  string `json:"address"`
	Endpoint string `json:"endpoint"`
	Height   uint64 `json:"height"`
	Tip      string `json:"tip"`
	Peers    int    `json:"peers"`
	// Connections are the node's open libp2p connections; MaxConnections
	// the most it held at once since it started.
	Connections    int    `json:"connections"`
	MaxConnections int    `json:"max_connections"`
	ConnectedVia   string `json:"connected_via"`
	RSSBytes       uint64 `json:"rss_bytes"`
	Error          string `json:"error,omitempty"`
}

func newStatusCommand(g *globals) *cobra.Command {
	var name, output string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each node of a devnet: peer ID, height, tip, peers, memory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := g.open(cmd.Context(), name)
			if err != nil {
				return err
			}
			defer d.be.Close()
			infos := collect(cmd.Context(), d.net, d.be)
			if output == "json" {
				enc := json.NewEncoder(g.out)
				enc.SetIndent("", "  ")
				return enc.Encode(infos)
			}
			if output != "" && output != "table" {
				return fmt.Errorf("--output %q: want table or json", output)
			}
			return printTable(g.out, infos)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "devnet name (default: the only one)")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	return cmd
}

// collect asks every node for its /status concurrently.
func collect(ctx context.Context, net *spec.Network, rt backend.Backend) []NodeInfo {
	infos := make([]NodeInfo, len(net.Nodes))
	var wg sync.WaitGroup
	for i, n := range net.Nodes {
		wg.Go(func() {
			info := NodeInfo{Name: n.Name, Role: string(n.Role), PeerID: n.PeerID}
			info.Address, _ = rt.Multiaddr(n.Name)
			var err error
			if info.Endpoint, err = rt.Endpoint(n.Name); err == nil {
				sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
				var st controlapi.Status
				st, err = controlapi.NewClient(info.Endpoint).Status(sctx)
				cancel()
				if err == nil {
					info.Height, info.Tip, info.Peers = st.Height, st.Tip, st.Peers
					info.Connections, info.MaxConnections = st.Connections, st.MaxConnections
					info.ConnectedVia, info.RSSBytes = st.ConnectedVia, st.RSSBytes
				}
			}
			if err != nil {
				info.Error = err.Error()
			}
			infos[i] = info
		})
	}
	wg.Wait()
	return infos
}

func printTable(w io.Writer, infos []NodeInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPEER ID\tADDRESS\tHEIGHT\tTIP\tPEERS\tCONNS (MAX)\tVIA\tRSS")
	for _, n := range infos {
		if n.Error != "" {
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t-\t-\t-\t%s\n", n.Name, n.PeerID, n.Address, "down: "+n.Error)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.12s\t%d\t%d (%d)\t%s\t%.1f MB\n", n.Name, n.PeerID, n.Address, n.Height, n.Tip, n.Peers,
			n.Connections, n.MaxConnections, n.ConnectedVia, float64(n.RSSBytes)/(1<<20))
	}
	return tw.Flush()
}
