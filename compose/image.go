package compose

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"time"
)

// Dockerfile is the image recipe: FROM scratch around /chaind.
//
//go:embed Dockerfile
var Dockerfile []byte

// helperDockerfile is the image of a static tool devnet runs beside the
// nodes, named name: the binary at /name, its entrypoint (netcut, run
// privileged for a moment by the docker runtime to cut partitions; agent,
// the swarm runtime's hand on each swarm node).
func helperDockerfile(name string) []byte {
	return fmt.Appendf(nil, "FROM scratch\nCOPY %s /%s\nENTRYPOINT [\"/%s\"]\n", name, name, name)
}

// BuildContext is the tar stream the engine builds an image from, with the
// content hash that names the image: the same binary and Dockerfile give the
// same tag, so an unchanged image is reused instead of rebuilt.
type BuildContext struct {
	Tar  []byte
	Hash string // first 16 hex digits of SHA-256(Dockerfile, binary)
}

// NewBuildContext packs the node image: Dockerfile and the chaind binary.
func NewBuildContext(chaind []byte) (*BuildContext, error) {
	return newBuildContext(Dockerfile, "chaind", chaind)
}

// NewHelperBuildContext packs the image of the helper binary bin, which
// runs as /name.
func NewHelperBuildContext(name string, bin []byte) (*BuildContext, error) {
	return newBuildContext(helperDockerfile(name), name, bin)
}

func newBuildContext(dockerfile []byte, name string, bin []byte) (*BuildContext, error) {
	if len(bin) == 0 {
		return nil, fmt.Errorf("image build context: %s binary is empty", name)
	}
	h := sha256.New()
	for _, part := range [][]byte{dockerfile, bin} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	// A fixed mtime keeps the context, and the classic builder's COPY cache, stable.
	mtime := time.Unix(0, 0)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{{"Dockerfile", 0o644, dockerfile}, {name, 0o755, bin}} {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: mtime, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("image build context: %w", err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, fmt.Errorf("image build context: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("image build context: %w", err)
	}
	return &BuildContext{Tar: buf.Bytes(), Hash: hex.EncodeToString(h.Sum(nil))[:16]}, nil
}
