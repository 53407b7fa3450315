// Package report renders the report of a devnet run from plain data: the
// verdict, every step with its result, and plots drawn with gonum/plot of
// what the nodes did (height, tips, peers, memory, mempools, block
// propagation, tx load, the final topology). Write puts them into one
// self-contained HTML file (each plot inline as SVG), a PNG file per plot
// beside it and the samples as JSON. It knows nothing of backends or of how
// the data was gathered: the runner fills a Run.
package report

import (
	"time"

	"github.com/devchain/devchain/devnet/load"
)

// Run is everything a report shows.
type Run struct {
	Name    string // the scenario's
	Runtime string // docker or process
	// Err is the run's error, "" when it passed; a step's error is also
	// its Step's.
	Err   string
	Steps []Step
	// Samples are the nodes sampled while the steps ran; nil when none
	// were (the run failed before its first step).
	Samples *Samples
	// Blocks are the spreads of the last blocks every running chain node
	// held at the end, lowest height first.
	Blocks []Block
	// Loads are the reports of the load steps.
	Loads []Load
	// Peers are the peer IDs of each node's last GET /peers, by node name;
	// a node that did not answer is absent. Nil when not read (an
	// interrupted run).
	Peers map[string][]string
}

// Step is one step of the scenario and how it went.
type Step struct {
	Index     int    // 1-based
	Name, Pos string // Pos: file:line
	// Start is when the step began (zero for a step that did not run).
	Start    time.Time
	Duration time.Duration
	Err      string
	Skipped  bool // not run: an earlier step failed, or the run ended before it
}

// Block is how one block reached the chain nodes.
type Block struct {
	Height uint64
	// Spread is from the first node connecting it to the last, Slowest.
	Spread  time.Duration
	Slowest string
}

// Load is the report of a load step, Step its 1-based index.
type Load struct {
	Step   int
	Report *load.Report
}

// Samples are what every node's GET /status (and a metric of chain nodes'
// /metrics) said about once a second: samples.json. Columns hold one entry
// per sample; where a node did not answer, Up is false and the others
// hold zero.
type Samples struct {
	Start time.Time `json:"start"`
	// Interval is the seconds between samples (it doubles each time a long
	// run's samples are thinned).
	Interval float64        `json:"interval_s"`
	T        []float64      `json:"t"` // seconds since Start of each sample
	Nodes    []*NodeSamples `json:"nodes"`
}

// NodeSamples are one node's columns.
type NodeSamples struct {
	Name   string   `json:"name"`
	Role   string   `json:"role"`    // "node" or "bootstrap"
	PeerID string   `json:"peer_id"` // the last /status's
	Up     []bool   `json:"up"`
	Height []uint64 `json:"height"`
	// Tip is the tip's first 12 hex digits: enough to tell tips apart.
	Tip         []string `json:"tip"`
	Peers       []int    `json:"peers"`
	Connections []int    `json:"connections"`
	Mempool     []int    `json:"mempool"`
	RSSBytes    []uint64 `json:"rss_bytes"`
	// TxsReceived is chaind_txs_received_total, sampled only in a run with
	// a load step (the throughput plot is its only reader).
	TxsReceived []float64 `json:"txs_received,omitempty"`
}

// TipDigits is how much of a tip NodeSamples.Tip keeps.
const TipDigits = 12
