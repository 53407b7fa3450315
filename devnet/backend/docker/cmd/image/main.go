// Command image builds the devchain node image (`make image`): FROM scratch
// around a static chaind, through the Engine API, tagged with the content
// hash and latest, and reused when the hash is already tagged.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"

	"github.com/devchain/devchain/compose"
	"github.com/devchain/devchain/devnet/backend/docker"
)

func main() {
	chaind := flag.String("chaind", "bin/chaind", "static chaind binary to put in the image")
	repo := flag.String("repo", compose.Repo, "image repository")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := docker.Ping(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
	ref, err := docker.BuildImage(ctx, *chaind, *repo, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
	fmt.Println(ref)
}
