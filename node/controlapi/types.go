// Package controlapi is the node's control API: HTTP+JSON routes (docs/DESIGN.md)
// served from a Backend, and the Go client the CLI and devnet use.
package controlapi

import (
	"time"

	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/wallet"
)

// Status is GET /status.
type Status struct {
	Role           string   `json:"role"` // "node" | "bootstrap"
	Height         uint64   `json:"height"`
	Tip            string   `json:"tip"`
	Genesis        string   `json:"genesis"`
	PeerID         string   `json:"peer_id"`
	Addrs          []string `json:"addrs"`
	Peers          int      `json:"peers"`
	Connections    int      `json:"connections"`     // libp2p connections open now: peers, bootstrap, not yet handshaken
	MaxConnections int      `json:"max_connections"` // the most open at once since the node started
	ConnectedVia   string   `json:"connected_via"`   // the longest-connected peer's Source, ViaNone without peers
	Mempool        int      `json:"mempool"`
	RSSBytes       uint64   `json:"rss_bytes"`
	// Links are the link rules in force; nil on a bootstrap.
	Links *Links `json:"links,omitempty"`
}

// Where a peer's connection came from: Peer.Source, and Status.ConnectedVia
// for the longest-connected peer.
const (
	ViaPeerDB     = "peerdb"     // the node dialled it from its peer DB, at start or on a redial
	ViaRendezvous = "rendezvous" // the node dialled it after the DHT rendezvous named it
	ViaInbound    = "inbound"    // it dialled the node
	ViaNone       = "none"       // ConnectedVia of a node without peers
)

// PeerSources are the values Peer.Source takes.
var PeerSources = []string{ViaPeerDB, ViaRendezvous, ViaInbound}

// Peer is one entry of GET /peers.
type Peer struct {
	PeerID    string   `json:"peer_id"`
	Addrs     []string `json:"addrs"`
	Direction string   `json:"direction"` // "inbound" | "outbound"
	Source    string   `json:"source"`    // one of PeerSources: how the connection came about
	// Link is the rule of the traffic to the peer (node/shaping syntax, ""
	// for none); RTTMillis the last ping's round trip (0 before the first
	// pong), Pongs how many were measured; BytesSent and BytesReceived
	// count the sync stream's bytes.
	Link          string  `json:"link,omitempty"`
	RTTMillis     float64 `json:"rtt_ms"`
	Pongs         uint64  `json:"pongs"`
	BytesSent     uint64  `json:"bytes_sent"`
	BytesReceived uint64  `json:"bytes_received"`
}

// PeersReply is GET /peers.
type PeersReply struct {
	Peers []Peer `json:"peers"`
}

// Block is GET /blocks/{hash} and /blocks/height/{n}.
type Block struct {
	Hash       string `json:"hash"`
	Height     uint64 `json:"height"`
	Prev       string `json:"prev"`
	Timestamp  int64  `json:"timestamp"`
	Bits       uint32 `json:"bits"`
	Nonce      uint64 `json:"nonce"`
	MerkleRoot string `json:"merkle_root"`
	Txs        []Tx   `json:"txs"`
	// ConnectedAt is when this node first connected the block (mined it,
	// or received it), while it is among the last 20,000 it connected:
	// the same block's times on every node give its propagation.
	ConnectedAt *time.Time `json:"connected_at,omitempty"`
}

// Tx is a transaction inside Block.
type Tx struct {
	TxID     string   `json:"txid"`
	Coinbase bool     `json:"coinbase"`
	Inputs   []Input  `json:"inputs"`
	Outputs  []Output `json:"outputs"`
}

// Input names the output a tx spends and the spender's address (from the
// input's public key).
type Input struct {
	TxID    string `json:"txid"`
	Index   uint32 `json:"index"`
	Address string `json:"address"`
}

// Output is an amount paid to an address.
type Output struct {
	Value   uint64 `json:"value"`
	Address string `json:"address"`
}

// BlockJSON renders a chain block for the API.
func BlockJSON(b *chain.Block) Block {
	out := Block{
		Hash: b.Hash().String(), Height: b.Header.Height, Prev: b.Header.PrevHash.String(),
		Timestamp: b.Header.Timestamp, Bits: b.Header.Bits, Nonce: b.Header.Nonce,
		MerkleRoot: b.Header.MerkleRoot.String(), Txs: make([]Tx, 0, len(b.Txs)),
	}
	for _, tx := range b.Txs {
		out.Txs = append(out.Txs, TxJSON(tx))
	}
	return out
}

// TxJSON renders a transaction for the API.
func TxJSON(tx *chain.Tx) Tx {
	t := Tx{TxID: tx.ID().String(), Coinbase: tx.IsCoinbase(), Inputs: []Input{}, Outputs: []Output{}}
	if !t.Coinbase {
		for _, in := range tx.Inputs {
			t.Inputs = append(t.Inputs, Input{
				TxID: in.Prev.TxID.String(), Index: in.Prev.Index,
				Address: wallet.EncodeAddress(chain.PubKeyHash(in.PubKey)),
			})
		}
	}
	for _, o := range tx.Outputs {
		t.Outputs = append(t.Outputs, Output{Value: o.Value, Address: wallet.EncodeAddress(o.PubKeyHash)})
	}
	return t
}

// Balance is GET /balance/{addr-or-alias}.
type Balance struct {
	Address string `json:"address"`
	Balance uint64 `json:"balance"`
}

// Wallet is one wallet entry (GET/POST /wallets).
type Wallet struct {
	Alias   string `json:"alias"`
	Address string `json:"address"`
}

// WalletsReply is GET /wallets.
type WalletsReply struct {
	Wallets []Wallet `json:"wallets"`
}

// CreateWalletRequest is POST /wallets.
type CreateWalletRequest struct {
	Alias string `json:"alias"`
}

// SendRequest is POST /tx.
type SendRequest struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Amount uint64 `json:"amount"`
}

// SendReply answers POST /tx and POST /tx/raw. Tx, the payment built, is
// in the answer to POST /tx only (a raw tx's sender has it): its inputs
// tell which payments it conflicts with.
type SendReply struct {
	TxID string `json:"txid"`
	Tx   *Tx    `json:"tx,omitempty"`
}

// RawTx is POST /tx/raw: a transaction signed elsewhere (a load
// generator), in chain encoding as hex. The answer is a SendReply.
type RawTx struct {
	Tx string `json:"tx"`
}

// MintRequest is POST /mint.
type MintRequest struct {
	Minter string `json:"minter"`
	Blocks int    `json:"blocks"`
}

// MintReply answers POST /mint once the blocks are connected.
type MintReply struct {
	Blocks []string `json:"blocks"`
	Height uint64   `json:"height"`
}

// Gate is POST /admin/gate and its answer: the peers refused.
type Gate struct {
	Deny []string `json:"deny"`
}

// Links is POST /admin/links and its answer, and Status.Links: the
// conditions a node applies to its own traffic, each written in
// node/shaping's syntax ("delay=100ms,jitter=10ms,bandwidth=1mbit,loss=5%").
// Default applies to every peer without a rule of its own in Rules. A
// request replaces Rules; it keeps the node's default when Default is nil.
type Links struct {
	Default *string    `json:"default,omitempty"`
	Rules   []LinkRule `json:"rules"`
}

// LinkRule is the rule of the traffic to one peer.
type LinkRule struct {
	Peer string `json:"peer"`
	Rule string `json:"rule"`
}

// UTXOCheck is GET /admin/utxo-check: the node's UTXO set as it keeps it
// and as its main chain's blocks make it, at one tip (connects wait while
// it runs), and the most coin those blocks may have made.
type UTXOCheck struct {
	Height    uint64      `json:"height"`
	Tip       string      `json:"tip"`
	Stored    UTXOSummary `json:"stored"`
	Rebuilt   UTXOSummary `json:"rebuilt"`
	MaxSupply uint64      `json:"max_supply"`
}

// UTXOSummary is a UTXO set's size, value and digest (equal sets, equal
// digests).
type UTXOSummary struct {
	Count  int    `json:"count"`
	Total  uint64 `json:"total"`
	Digest string `json:"digest"`
}

// Health is GET /healthz.
type Health struct {
	OK bool `json:"ok"`
}

// errorReply is the body of every non-2xx answer. Reason is set when the
// node refused a transaction: the consensus rule it broke (chain.Rule) or
// the mempool's policy ("mempool-full", "package-limit").
type errorReply struct {
	Error  string `json:"error"`
	Reason string `json:"reason,omitempty"`
}

// Refused is a transaction the node would not take, and why (errorReply's
// Reason); a 400.
type Refused struct {
	Reason string
	Err    error
}

func (r *Refused) Error() string        { return r.Err.Error() }
func (r *Refused) Unwrap() error        { return r.Err }
func (r *Refused) Is(target error) bool { return target == ErrBadRequest }

// Metrics are the figures GET /metrics exports.
type Metrics struct {
	Height         uint64
	Peers          int
	BlocksReceived uint64
	TxsReceived    uint64
	Rejects        uint64
	// SigVerifications counts the input signatures verified (each
	// transaction's once, thanks to the signature cache); MempoolTxs and
	// MempoolBytes are the pool's size; GossipLost counts announcements
	// lost to link rules.
	SigVerifications uint64
	MempoolTxs       int
	MempoolBytes     int
	GossipLost       uint64
}

// Event kinds of GET /events.
const (
	EventPeerUp   = "peer-up"   // a peer completed the handshake; Detail: its source (PeerSources)
	EventPeerDown = "peer-down" // a peer's sync stream ended
	EventBan      = "ban"       // a peer misbehaved and is refused for a while; Detail: why
	EventReorg    = "reorg"     // the main chain switched branches; Depth blocks were disconnected
	EventMined    = "mined"     // the node mined a block
)

// Event is one entry of a node's event log (GET /events).
type Event struct {
	Seq    uint64    `json:"seq"`
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Peer   string    `json:"peer,omitempty"`
	Height uint64    `json:"height,omitempty"` // reorg, mined: the new tip's height
	Tip    string    `json:"tip,omitempty"`    // reorg, mined: the new tip
	Depth  int       `json:"depth,omitempty"`  // reorg: blocks disconnected
	Detail string    `json:"detail,omitempty"`
}

// EventsReply is GET /events: the events after the one asked for, the
// newest event's Seq (to ask after next time), and how many were missed
// (dropped from the log before they were read).
type EventsReply struct {
	Events []Event `json:"events"`
	Last   uint64  `json:"last"`
	Missed uint64  `json:"missed,omitempty"`
}
