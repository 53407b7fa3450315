package compose

import (
	"crypto/sha256"
	"encoding/hex"
)

// Digest tells a devnet's secrets (its control API token, its network key)
// apart without saying anything about them: 48 bits of SHA-256, of a
// random 256-bit secret. The docker backend labels containers with it, the
// swarm backend names its secrets with it.
func Digest(secret []byte) string {
	sum := sha256.Sum256(secret)
	return hex.EncodeToString(sum[:6])
}
