package netcut

import (
	"fmt"
	"io"
)

// Main runs the helper with args (without the program name), reporting to
// stdout and stderr, and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	all, targets, err := parse(args)
	if err == nil {
		err = apply(all, targets)
	}
	if err != nil {
		fmt.Fprintln(stderr, "netcut:", err)
		return 1
	}
	fmt.Fprintln(stdout, OK, len(targets))
	return 0
}
