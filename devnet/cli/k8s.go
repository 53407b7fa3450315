package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/kube"
	"github.com/devchain/devchain/devnet/scenario"
)

func newK8sCommand(g *globals) *cobra.Command {
	var file, dir, image string
	cmd := &cobra.Command{
		Use:   "k8s -f FILE [-o DIR]",
		Short: "Write Kubernetes manifests for the scenario's network (then kubectl apply -k DIR)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := scenario.Load(file)
			if err != nil {
				return err
			}
			if dir == "" {
				dir = kube.DefaultDir(cfg.Name)
			}
			// A key rendered before into dir is kept: applying the new
			// files must not change the key under a network that runs.
			key, err := kube.ReadNetworkKey(dir)
			if err != nil {
				return err
			}
			files, err := kube.Render(cfg, kube.Options{Image: image, Source: filepath.ToSlash(file), NetworkKey: key})
			if err != nil {
				return err
			}
			if err := kube.Write(dir, files); err != nil {
				return err
			}
			fmt.Fprintf(g.out, "wrote %d files to %s; run the network with: kubectl apply -k %s\n", len(files), dir, dir)
			if n := len(cfg.Steps); n > 0 {
				fmt.Fprintf(g.err, "note: %s has %d steps; devnet does not run steps on Kubernetes, the manifests only start the network (run the steps with `devnet run` on docker or process)\n", file, n)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "scenario file (required)")
	cmd.Flags().StringVarP(&dir, "output", "o", "", "folder to write the manifests to (default build/k8s/<name>)")
	cmd.Flags().StringVar(&image, "image", compose.LatestImage, "node image the pods run")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}
