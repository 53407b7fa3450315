//go:build !linux

package netcut

import (
	"errors"
	"net/netip"
)

func apply([]netip.Addr, []Target) error {
	return errors.New("network namespaces need Linux")
}
