// Command chaind is the devchain node.
package main

import (
	"os"

	"github.com/devchain/devchain/node/cli"
)

func main() { os.Exit(cli.Main()) }
