//go:build !chaosfault

package blockchain

// injectFault does nothing: the shipped node has no planted fault (see
// fault_chaos.go, built only with -tags chaosfault).
func (c *Chain) injectFault() error { return nil }
