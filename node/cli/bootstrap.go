package cli

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/node/daemon"
)

func newBootstrapCmd(e *Env) *cobra.Command {
	var (
		nf      p2pFlags
		keyFile string
		others  []string
	)
	cmd := &cobra.Command{
		Use:   "bootstrap -port P [-key FILE] [--listen-host H] [-rpc HOST:PORT]",
		Short: "run a DHT bootstrap server (no chain); prints its multiaddrs, one per line",
		Args:  cobra.NoArgs,
	}
	nf.register(cmd, "", "control API address (default: none)")
	cmd.Flags().StringVar(&keyFile, "key", "", "identity key file, created if missing (default: <datadir>/identity.key, else ./bootstrap.key)")
	cmd.Flags().StringArrayVar(&others, "bootstrap", nil, "other bootstrap servers to join (repeatable)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		psk, err := nf.psk()
		if err != nil {
			return err
		}
		if keyFile == "" && e.DataDirFlag == "" && nf.identitySeed == "" {
			keyFile = "bootstrap.key"
		}
		if keyFile == "" && e.DataDirFlag != "" {
			keyFile = filepath.Join(e.DataDirFlag, "identity.key")
		}
		return daemon.RunBootstrap(cmd.Context(), daemon.BootstrapConfig{
			KeyFile: keyFile, IdentitySeed: nf.identitySeed, NetworkKey: psk, Params: e.Params(),
			ListenHost: nf.listenHost, Port: nf.port, Peers: splitList(others),
			RPCAddr: nf.rpc, RPCTokenFile: nf.rpcTokenFile, RPCHosts: nf.rpcHosts, DataDir: e.DataDirFlag, Log: slog.Default(),
		}, func(b *daemon.Bootstrap) {
			for _, a := range b.Addrs() {
				fmt.Fprintln(cmd.OutOrStdout(), a)
			}
		})
	}
	return cmd
}
