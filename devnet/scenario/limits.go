package scenario

import "time"

// Limits of a scenario file. A scenario is input like any other: a
// mistyped or hostile file must fail at once, with its file:line, rather
// than cost gigabytes or hours once nodes are running. Each bound is far
// above what a useful devnet needs (the shipped scenarios are under 4 KiB,
// 50 nodes and 30 steps).
const (
	// MaxFileSize bounds a scenario file, checked before it is parsed:
	// yaml.v3 holds the whole node tree in memory (about 200 bytes a value),
	// so the file's size bounds what parsing can allocate.
	MaxFileSize = 1 << 20

	// MaxYAMLNodes bounds the YAML values the decoder walks, each alias
	// counted again every time it is walked. yaml.v3 does not expand aliases
	// when it builds the node tree, the walk does; counting there stops an
	// alias bomb (kilobytes that expand to billions of values) after
	// MaxYAMLNodes values, before it has cost more than that.
	MaxYAMLNodes = 100_000

	// MaxChainNodes bounds the chain nodes of a devnet, groups expanded:
	// each is a process or container with its own ports, data dir, log and
	// tens of MB of memory; thousands run the host out of file descriptors
	// halfway through starting them. 100 is the largest devnet measured.
	MaxChainNodes = 500

	// MaxSteps bounds a scenario's steps: a run reports each one, and
	// validation looks at every name each step targets.
	MaxSteps = 10_000

	// MaxDuration bounds every duration (sleep, within, mine_interval): a
	// devnet is a test run, and a typo like 100000h would hang it for years.
	MaxDuration = 24 * time.Hour

	// MinMineInterval bounds mine_interval from below: a minter mining every
	// nanosecond floods its peers with blocks faster than they can connect
	// them, and the devnet measures nothing but that.
	MinMineInterval = 100 * time.Millisecond

	// MaxMintBlocks bounds one mint step, which is one call to a node that
	// mines every block before it answers: 10,000 blocks at devnet
	// difficulty take seconds, 100,000,000 would hold the step for hours.
	// Longer chains take several steps.
	MaxMintBlocks = 10_000

	// maxReported bounds the errors Validate lists: the first ones say what
	// is wrong, and a hostile file could otherwise yield millions.
	maxReported = 50
)
