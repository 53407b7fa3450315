package docker

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/devchain/devchain/compose"
)

// BuildImage builds the node image around the chaind binary at path (or
// reuses it when its content hash is already tagged) and tags it repo:latest.
// It returns the hash-tagged reference. `make image` calls it through
// `devnet image`.
func BuildImage(ctx context.Context, chaind, repo string, log *slog.Logger) (string, error) {
	c, err := newClient()
	if err != nil {
		return "", err
	}
	defer c.Close()
	if repo == "" {
		repo = compose.Repo
	}
	if log == nil {
		log = slog.Default()
	}
	return EnsureImage(ctx, c, chaind, repo, log)
}

// EnsureImage is BuildImage on an existing client.
func EnsureImage(ctx context.Context, c *client.Client, chaind, repo string, log *slog.Logger) (string, error) {
	return ensureImage(ctx, c, chaind, repo, true, compose.NewBuildContext, log)
}

// EnsureHelperImage builds the image of a static helper binary at path
// (FROM scratch around it, compose.NewHelperBuildContext, run as /<the
// last element of repo>), tagged
// repo:<content hash> and repo:latest, unless that tag exists, and returns
// the hash-tagged reference. The netcut partition helper and the swarm
// agent are built so; latest is what `docker save` names to carry the
// image to another host.
func EnsureHelperImage(ctx context.Context, c *client.Client, path, repo string, log *slog.Logger) (string, error) {
	name := repo[strings.LastIndexByte(repo, '/')+1:]
	return ensureImage(ctx, c, path, repo, true, func(bin []byte) (*compose.BuildContext, error) {
		return compose.NewHelperBuildContext(name, bin)
	}, log)
}

// ensureImage builds the image of the static binary at path with newContext,
// tagged repo:<content hash> (and repo:latest with latest), unless that tag
// exists.
func ensureImage(ctx context.Context, c *client.Client, path, repo string, latest bool,
	newContext func([]byte) (*compose.BuildContext, error), log *slog.Logger) (string, error) {
	bin, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("docker: image %s: %w", repo, err)
	}
	if err := checkStatic(bin); err != nil {
		return "", fmt.Errorf("docker: image %s: binary %s: %w", repo, path, err)
	}
	bc, err := newContext(bin)
	if err != nil {
		return "", fmt.Errorf("docker: image %s from %s: %w", repo, path, err)
	}
	ref, tags := repo+":"+bc.Hash, []string{repo + ":" + bc.Hash}
	if latest {
		tags = append(tags, repo+":latest")
	}
	_, err = c.ImageInspect(ctx, ref)
	switch {
	case err == nil:
		log.Debug("image up to date", "image", ref)
		// latest may point at another build since; point it back.
		for _, t := range tags[1:] {
			if _, err := c.ImageTag(ctx, client.ImageTagOptions{Source: ref, Target: t}); err != nil {
				return "", fmt.Errorf("docker: tag %s as %s: %w", ref, t, err)
			}
		}
		return ref, nil
	case !cerrdefs.IsNotFound(err):
		return "", fmt.Errorf("docker: image %s: %w", ref, err)
	}
	start := time.Now()
	res, err := c.ImageBuild(ctx, bytes.NewReader(bc.Tar), client.ImageBuildOptions{
		Tags:        tags,
		Remove:      true,
		ForceRemove: true,
		Labels:      map[string]string{"devchain.image": bc.Hash},
	})
	if err != nil {
		return "", fmt.Errorf("docker: build %s: %w", ref, err)
	}
	defer res.Body.Close()
	if err := readBuildOutput(res.Body); err != nil {
		return "", fmt.Errorf("docker: build %s: %w", ref, err)
	}
	log.Info("image built", "image", ref, "took", time.Since(start).Round(time.Millisecond))
	pruneImages(ctx, c, repo, ref, log)
	return ref, nil
}

// pruneImages removes the earlier builds of repo, so every chaind change
// does not leave another image behind. Images that containers still use
// are refused by the engine and stay.
func pruneImages(ctx context.Context, c *client.Client, repo, keep string, log *slog.Logger) {
	kept, err := c.ImageInspect(ctx, keep)
	if err != nil {
		return
	}
	res, err := c.ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("reference", repo)})
	if err != nil {
		return
	}
	for _, img := range res.Items {
		if img.ID == kept.ID {
			continue
		}
		for _, tag := range img.RepoTags {
			if _, err := c.ImageRemove(ctx, tag, client.ImageRemoveOptions{PruneChildren: true}); err != nil {
				log.Debug("old image kept", "image", tag, "err", err)
			}
		}
	}
}

// readBuildOutput drains the build's JSON message stream (the build only
// ends when it is read) and returns the error it reports, with the last
// lines of output for context.
func readBuildOutput(r io.Reader) error {
	var tail []string
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Stream      string `json:"stream"`
			Error       string `json:"error"`
			ErrorDetail struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading build output: %w", err)
		}
		if s := strings.TrimSpace(msg.Stream); s != "" {
			tail = append(tail, s)
			if len(tail) > 5 {
				tail = tail[1:]
			}
		}
		if msg.ErrorDetail.Message != "" {
			msg.Error = msg.ErrorDetail.Message
		}
		if msg.Error != "" {
			return fmt.Errorf("%s (after: %s)", msg.Error, strings.Join(tail, " | "))
		}
	}
}

// checkStatic refuses a binary that cannot run in a FROM scratch image: not
// a Linux ELF executable, or one that needs a dynamic loader.
func checkStatic(bin []byte) error {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return fmt.Errorf("not an ELF executable: %w", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("dynamically linked, but the image has no libc (build it with CGO_ENABLED=0)")
		}
	}
	return nil
}
