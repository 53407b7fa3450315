package cli

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/backend"
	"github.com/devchain/devchain/devnet/scenario"
)

func newComposeCommand(g *globals) *cobra.Command {
	var file, output string
	cmd := &cobra.Command{
		Use:   "compose -f FILE",
		Short: "Print a docker-compose file for the scenario's network (and write its network key)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := scenario.Load(file)
			if err != nil {
				return err
			}
			net, err := cfg.Spec()
			if err != nil {
				return err
			}
			opts := compose.Options{Source: filepath.ToSlash(file)}
			// The compose file reads the network key from a path relative to
			// its own folder: the output's folder, or here for stdout. A key
			// already there is kept: rendering again must not change the key
			// under a compose network that runs.
			if net.NeedsKey() {
				dir := "."
				if output != "" {
					dir = filepath.Dir(output)
				}
				if _, err := backend.MakeNetworkKey(compose.KeyFilePath(dir, net.Name, opts)); err != nil {
					return err
				}
			}
			out, err := compose.Render(net, opts)
			if err != nil {
				return err
			}
			if output == "" {
				_, err = g.out.Write(out)
				return err
			}
			return os.WriteFile(output, out, 0o644)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "scenario file (required)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to FILE instead of stdout")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}
