// Command netcut is the devnet partition helper (package netcut), as a small
// static binary for the helper image; `make image` builds it next to devnet.
package main

import (
	"os"

	"github.com/devchain/devchain/devnet/backend/docker/netcut"
)

func main() {
	os.Exit(netcut.Main(os.Args[1:], os.Stdout, os.Stderr))
}
