// Package chain holds the consensus types of devchain and the rules that need
// no storage: the canonical binary encoding (one file per type, in the style
// of btcd's wire package), Merkle roots, proof of work, the network
// parameters with their genesis block, the signature digest, and the
// context-free checks of transactions and blocks.
//
// Every integer is little-endian with a fixed width; every variable-length
// field is preceded by a minimal unsigned varint length; every decoder checks
// its length against a hard limit before it allocates, so a hostile peer
// cannot make a node allocate more than the limits allow.
package chain
