package p2p

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/big"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/devchain/devchain/node/blockchain"
	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/controlapi"
	"github.com/devchain/devchain/node/shaping"
	"github.com/devchain/devchain/node/wire"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// ProtocolID is the versioned sync protocol; each pair of peers shares one
// stream of it.
const ProtocolID protocol.ID = "/devchain/sync/1.0.0"

// MaxBlocksPerInv is the batch size of a getblocks answer.
const MaxBlocksPerInv = 500

// Chain is what the sync protocol needs from the chain state machine
// (blockchain.Chain).
type Chain interface {
	Genesis() chain.Hash
	Tip() (hash chain.Hash, height uint64, work *big.Int)
	HasBlock(h chain.Hash) bool
	Block(h chain.Hash) (*chain.Block, error)
	Locator() []chain.Hash
	HashesAfter(locator []chain.Hash, max int) []chain.Hash
	// ProcessBlock validates and stores a block; err wraps
	// chain.ErrInvalid when the block breaks a rule.
	ProcessBlock(b *chain.Block) (blockchain.Result, error)
	// ProcessUnsolicited is ProcessBlock for a block nobody asked for:
	// one that would not give its branch more work than the tip is not
	// stored (Status NotStored).
	ProcessUnsolicited(b *chain.Block) (blockchain.Result, error)
}

var _ Chain = (*blockchain.Chain)(nil)

// TxPool is what the sync protocol needs from the mempool.
type TxPool interface {
	Has(id chain.Hash) bool
	Get(id chain.Hash) *chain.Tx
	// Add validates and keeps tx; err wraps chain.ErrInvalid for a tx that
	// breaks a rule or double-spends.
	Add(tx *chain.Tx) (added bool, err error)
	// ByFeeRate gives up to max pooled txs, the best paying first, each
	// after its pooled parents.
	ByFeeRate(max int) []*chain.Tx
	// KeepOrphan keeps a tx refused for an input not known yet, to try
	// again when the chain or the pool brings it; Adopt pools the kept
	// txs spending parent's outputs and returns them.
	KeepOrphan(tx *chain.Tx) bool
	Adopt(parent chain.Hash) []*chain.Tx
}

// SyncConfig configures the sync protocol.
type SyncConfig struct {
	Host      host.Host
	Conns     *ConnWatch // where each peer's connection came from
	Gater     *Gater
	Chain     Chain
	Pool      TxPool
	Log       *slog.Logger
	UserAgent string
	// OnPeer is called once a peer completed the handshake (the node
	// saves it in the peer DB).
	OnPeer func(c network.Conn)
	// OnEvent, when set, is told of peers met and lost and of bans (the
	// node's event log).
	OnEvent func(controlapi.Event)
	// BanFor is how long a misbehaving peer is refused (10 min if zero).
	BanFor time.Duration
	// IdleTimeout is the read deadline on a stream (90 s if zero); peers
	// ping every third of it, or every pingEvery if that is sooner.
	IdleTimeout time.Duration
	// RequestTimeout is how long a peer may deliver nothing we asked it
	// for before its requests go to other peers and it loses the sync
	// role (requestTimeout if zero).
	RequestTimeout time.Duration

	// noShaping leaves the shaping layer out of every peer's writer: the
	// benchmark of the layer's cost sets it, nothing else does.
	noShaping bool
}

// Counters are the sync protocol's metrics.
type Counters struct {
	BlocksReceived atomic.Uint64
	TxsReceived    atomic.Uint64
	Rejects        atomic.Uint64
	// GossipLost counts announcements a lossy link rule dropped.
	GossipLost atomic.Uint64
}

// Sync runs the sync protocol with every connected node.
type Sync struct {
	cfg     SyncConfig
	genesis chain.Hash
	Counters

	mu        sync.Mutex
	peers     map[peer.ID]*peerConn
	opening   map[peer.ID]bool
	inflight  map[chain.Hash]request // blocks and txs asked for
	runs      sync.WaitGroup         // peer streams being served
	stop      chan struct{}
	syncPeer  peer.ID
	syncAt    time.Time // the sync peer's last sign of progress: getblocks sent, answer or block received
	notifiee  *network.NotifyBundle
	closed    bool
	handshake time.Duration

	arrivals *arrivals

	linkMu   sync.Mutex
	linkDef  shaping.Rule             // for every peer without a rule of its own
	linkPeer map[peer.ID]shaping.Rule // rules of single peers
}

// errMisbehaving marks a peer error that earns a ban.
var errMisbehaving = errors.New("peer misbehaved")

// NewSync prepares the protocol; Start attaches it to the host.
func NewSync(cfg SyncConfig) *Sync {
	if cfg.BanFor == 0 {
		cfg.BanFor = 10 * time.Minute
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 90 * time.Second
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = requestTimeout
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Sync{
		cfg:       cfg,
		genesis:   cfg.Chain.Genesis(),
		peers:     map[peer.ID]*peerConn{},
		opening:   map[peer.ID]bool{},
		inflight:  map[chain.Hash]request{},
		stop:      make(chan struct{}),
		handshake: 10 * time.Second,
		arrivals:  newArrivals(),
	}
}

// Start serves the protocol and opens a stream to every node the host
// connects to. Of two peers only the one with the smaller ID opens the
// stream, so a pair never ends up with two.
func (s *Sync) Start() {
	s.cfg.Host.SetStreamHandler(ProtocolID, func(st network.Stream) { s.run(st) })
	s.notifiee = &network.NotifyBundle{ConnectedF: func(_ network.Network, c network.Conn) {
		if s.cfg.Host.ID() < c.RemotePeer() {
			go s.open(c.RemotePeer())
		}
	}}
	s.cfg.Host.Network().Notify(s.notifiee)
	go s.watchdog()
	for _, id := range s.cfg.Host.Network().Peers() {
		if s.cfg.Host.ID() < id {
			go s.open(id)
		}
	}
}

// Close stops the protocol and drops every peer stream.
func (s *Sync) Close() {
	s.cfg.Host.RemoveStreamHandler(ProtocolID)
	if s.notifiee != nil {
		s.cfg.Host.Network().StopNotify(s.notifiee)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.stop)
	peers := s.peerListLocked()
	s.mu.Unlock()
	for _, p := range peers {
		p.close()
	}
	s.runs.Wait() // no handler touches the chain after Close
}

// open starts the stream to a peer unless one exists or is being opened.
// A peer that does not speak the protocol (a bootstrap) is left alone.
func (s *Sync) open(id peer.ID) {
	s.mu.Lock()
	if s.closed || s.peers[id] != nil || s.opening[id] {
		s.mu.Unlock()
		return
	}
	s.opening[id] = true
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), s.handshake)
	// Streams ride on the connections there are: the connector alone
	// dials, so every peer's connection has a known source.
	ctx = network.WithNoDial(ctx, "sync stream on an existing connection")
	st, err := s.cfg.Host.NewStream(ctx, id, ProtocolID)
	cancel()
	s.mu.Lock()
	delete(s.opening, id)
	s.mu.Unlock()
	if err != nil {
		s.cfg.Log.Debug("no sync stream", "peer", id, "err", err)
		return
	}
	s.run(st)
}

// run is the life of one peer stream: handshake, then messages until an
// error.
func (s *Sync) run(st network.Stream) {
	var link *shaping.Link // nil: no shaping layer at all (noShaping)
	if !s.cfg.noShaping {
		link = shaping.NewLink(s.linkRule(st.Conn().RemotePeer()))
	}
	p := newPeerConn(st, link, &s.GossipLost)
	if !s.cfg.Gater.Allowed(p.id) {
		_ = st.Reset()
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = st.Reset()
		return
	}
	old := s.peers[p.id]
	s.peers[p.id] = p
	s.runs.Add(1)
	s.mu.Unlock()
	defer s.runs.Done()
	if old != nil {
		old.close() // the peer reconnected; its old stream is stale
	}
	go func() {
		if err := p.writeLoop(min(s.cfg.IdleTimeout/3, pingEvery), s.cfg.IdleTimeout); err != nil {
			s.cfg.Log.Debug("peer writer stopped", "peer", p.id, "err", err)
		}
		p.close()
	}()
	err := s.serve(p)
	switch {
	case errors.Is(err, errMisbehaving):
		// Banned before its stream is dropped, so it cannot be back
		// in between.
		s.misbehaved(p, err)
	case err != nil:
		s.cfg.Log.Debug("peer stream ended", "peer", p.id, "err", err)
	}
	s.remove(p)
}

func (s *Sync) serve(p *peerConn) (err error) {
	// A bug in decoding or handling a peer's message must cost that peer
	// its connection, not the node its life.
	defer func() {
		if r := recover(); r != nil {
			s.cfg.Log.Error("panic handling peer message", "peer", p.id, "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("%w: message caused a panic: %v", errMisbehaving, r)
		}
	}()
	r := bufio.NewReaderSize(counted{p.stream, &p.received}, 64<<10)
	if err := s.doHandshake(p, r); err != nil {
		return err
	}
	s.cfg.Log.Info("peer connected", "peer", p.id, "height", p.version.BestHeight, "agent", p.version.UserAgent)
	// The first round trip is measured now rather than a ping interval later.
	if err := p.ping(); err != nil {
		return err
	}
	if s.cfg.OnPeer != nil {
		s.cfg.OnPeer(p.stream.Conn())
	}
	s.event(controlapi.EventPeerUp, p, s.cfg.Conns.Source(p.stream.Conn()))
	s.maybeSync()
	for {
		m, err := s.read(p, r, s.cfg.IdleTimeout)
		if err != nil {
			return err
		}
		if err := s.handle(p, m); err != nil {
			return err
		}
	}
}

// read reads one message within the deadline; bytes that do not decode
// are misbehaviour.
func (s *Sync) read(p *peerConn, r *bufio.Reader, timeout time.Duration) (wire.Message, error) {
	_ = p.stream.SetReadDeadline(time.Now().Add(timeout))
	m, err := wire.ReadMessage(r)
	if errors.Is(err, wire.ErrMalformed) || errors.Is(err, wire.ErrOversize) {
		return nil, fmt.Errorf("%w: %v", errMisbehaving, err)
	}
	return m, err
}

func (s *Sync) doHandshake(p *peerConn, r *bufio.Reader) error {
	tip, height, work := s.cfg.Chain.Tip()
	if err := p.send(&wire.Version{
		Protocol: wire.ProtocolVersion, Genesis: s.genesis, BestHeight: height,
		BestHash: tip, TotalWork: work, UserAgent: s.cfg.UserAgent,
	}); err != nil {
		return err
	}
	m, err := s.read(p, r, s.handshake)
	if err != nil {
		return err
	}
	v, ok := m.(*wire.Version)
	if !ok {
		return fmt.Errorf("%w: %s before version", errMisbehaving, m.Command())
	}
	if v.Protocol != wire.ProtocolVersion {
		_ = p.send(&wire.Reject{Message: wire.CmdVersion, Code: wire.RejectObsolete, Reason: "unsupported protocol version"})
		return fmt.Errorf("%w: protocol version %d", errMisbehaving, v.Protocol)
	}
	if chain.Hash(v.Genesis) != s.genesis {
		_ = p.send(&wire.Reject{Message: wire.CmdVersion, Code: wire.RejectNetwork, Reason: "other genesis"})
		return fmt.Errorf("%w: genesis %s, ours %s", errMisbehaving, chain.Hash(v.Genesis), s.genesis)
	}
	if err := p.send(&wire.Verack{}); err != nil {
		return err
	}
	if m, err = s.read(p, r, s.handshake); err != nil {
		return err
	}
	if _, ok := m.(*wire.Verack); !ok {
		return fmt.Errorf("%w: %s instead of verack", errMisbehaving, m.Command())
	}
	s.mu.Lock()
	p.version = v
	p.work = new(big.Int).Set(v.TotalWork)
	s.mu.Unlock()
	p.setReady()
	s.offerPool(p)
	return nil
}

// event tells cfg.OnEvent of a change of peer p.
func (s *Sync) event(kind string, p *peerConn, detail string) {
	if s.cfg.OnEvent != nil {
		s.cfg.OnEvent(controlapi.Event{Kind: kind, Peer: p.id.String(), Detail: detail})
	}
}

// maxPoolOffer bounds the pooled txs offered to a peer just met: well
// below what a peer may announce unasked (maxPeerAnnounced), and the
// best-paying ones are those a miner takes first.
const maxPoolOffer = 1000

// offerPool announces the pool's best txs to a peer just met: one that
// was apart from us (a partition, a restart) has not seen the payments
// accepted meanwhile, and without this they would reach it only in a
// block, or never if no miner saw them.
func (s *Sync) offerPool(p *peerConn) {
	txs := s.cfg.Pool.ByFeeRate(maxPoolOffer)
	if len(txs) == 0 {
		return
	}
	p.announce(txInvs(txs))
}

// remove forgets a peer whose stream ended and moves its pending requests
// and the sync role elsewhere.
func (s *Sync) remove(p *peerConn) {
	if p.isReady() {
		s.event(controlapi.EventPeerDown, p, "")
	}
	p.close()
	s.mu.Lock()
	if s.peers[p.id] == p {
		delete(s.peers, p.id)
	}
	for h, r := range s.inflight {
		if r.from == p.id {
			delete(s.inflight, h)
		}
	}
	wasSync := s.syncPeer == p.id
	if wasSync {
		s.setSyncPeerLocked("")
	}
	reopen := !s.closed && s.peers[p.id] == nil && s.cfg.Host.ID() < p.id
	s.mu.Unlock()
	s.pump() // what it left unanswered goes to the peers that announced it too
	if wasSync {
		s.maybeSync()
	}
	if reopen {
		// The stream died but a connection may remain (or a newer one
		// arrived while this stream was still registered): open again
		// after a pause, if still connected.
		time.AfterFunc(reopenDelay, func() {
			if s.cfg.Host.Network().Connectedness(p.id) == network.Connected {
				s.open(p.id)
			}
		})
	}
}

// pingEvery is how often a peer is pinged at most: often enough that its
// round trip in /peers is never older than a few seconds (a sample taken
// while the machine was busy is soon replaced), at a few bytes each.
const pingEvery = 5 * time.Second

// reopenDelay paces new streams to a peer still connected after its
// stream ended.
const reopenDelay = 500 * time.Millisecond

// misbehaved disconnects a peer and refuses it for BanFor.
func (s *Sync) misbehaved(p *peerConn, err error) {
	s.Rejects.Add(1)
	s.event(controlapi.EventBan, p, err.Error())
	s.cfg.Log.Warn("peer misbehaved, banned", "peer", p.id, "for", s.cfg.BanFor, "err", err)
	s.cfg.Gater.Ban(p.id, s.cfg.BanFor)
	_ = s.cfg.Host.Network().ClosePeer(p.id)
}

// maybeSync asks the peer with the most work beyond ours (or one that sent
// a block we could not place) for blocks, unless a sync is running or a
// candidate's blocks are still on their way or queued behind another
// peer's request (asking again now would fetch the same hashes). Other in-flight items (transactions, blocks of peers
// with no more work) do not hold it back, and a peer that left a getblocks
// unanswered is passed over for a while.
func (s *Sync) maybeSync() {
	_, _, ours := s.cfg.Chain.Tip()
	now := time.Now()
	s.mu.Lock()
	if s.syncPeer != "" {
		s.mu.Unlock()
		return
	}
	var best *peerConn
	for _, p := range s.peers {
		if p.version == nil || now.Before(p.syncStall) || (p.work.Cmp(ours) <= 0 && !p.orphaned) {
			continue
		}
		if p.askedBlock > 0 || p.pendingBlock > 0 {
			s.mu.Unlock()
			return
		}
		if best == nil || p.work.Cmp(best.work) > 0 {
			best = p
		}
	}
	if best != nil {
		s.setSyncPeerLocked(best.id)
	}
	s.mu.Unlock()
	if best != nil {
		s.getBlocks(best)
	}
}

// CatchingUp tells whether blocks are being fetched from a peer, or a peer
// has shown more work than the chain's: a block mined now would extend a
// tip the network has passed, a fork that nothing may ever resolve when no
// one mines after it. A peer that claims more work and sends nothing more
// loses its claim at the end of its batch (handlers.go), and one that
// leaves a request unanswered is passed over, so a peer cannot keep a node
// catching up by lying.
func (s *Sync) CatchingUp() bool {
	_, _, ours := s.cfg.Chain.Tip()
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.syncPeer != "" {
		return true
	}
	for _, p := range s.peers {
		if p.version != nil && !now.Before(p.syncStall) && p.work.Cmp(ours) > 0 {
			return true
		}
	}
	return false
}

// getBlocks asks p for the main-chain hashes past our locator.
func (s *Sync) getBlocks(p *peerConn) {
	s.mu.Lock()
	p.getblocks++
	if s.syncPeer == p.id {
		s.syncAt = time.Now()
	}
	s.mu.Unlock()
	loc := s.cfg.Chain.Locator()
	m := &wire.GetBlocks{Locator: make([]wire.Hash, 0, len(loc))}
	for _, h := range loc {
		m.Locator = append(m.Locator, h)
	}
	_ = p.send(m)
}

// syncProtectTag keeps the connection manager from trimming the peer the
// chain is being fetched from.
const syncProtectTag = "devchain-sync"

// setSyncPeerLocked changes the sync peer (s.mu held) and moves the
// connection manager's protection with it.
func (s *Sync) setSyncPeerLocked(id peer.ID) {
	if s.syncPeer == id {
		return
	}
	cm := s.cfg.Host.ConnManager()
	if s.syncPeer != "" {
		cm.Unprotect(s.syncPeer, syncProtectTag)
	}
	s.syncPeer = id
	if id != "" {
		cm.Protect(id, syncProtectTag)
	}
}

// requestTimeout is the default RequestTimeout: long enough for a peer
// on a slow link to deliver one block, short enough that a silent one
// holds nothing back for long.
const requestTimeout = 20 * time.Second

// watchdog re-routes the requests a peer left unanswered and restarts a
// stalled sync, so one slow peer cannot hold the node behind.
func (s *Sync) watchdog() {
	t := time.NewTicker(s.cfg.RequestTimeout / 4)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.expire(now)
		}
		s.pump()
		s.maybeSync()
		s.reannounceTip()
	}
}

// Peer is a connected node as the API shows it.
type Peer struct {
	ID        peer.ID
	Addr      string
	Direction string    // "inbound" | "outbound"
	Source    string    // controlapi.ViaPeerDB | controlapi.ViaRendezvous | controlapi.ViaInbound: how its connection came about
	Since     time.Time // when that connection opened
	Link      shaping.Rule
	// RTT is the last ping's round trip (0 before the first pong), Pongs
	// how many were measured; BytesSent and BytesReceived count the sync
	// stream's bytes.
	RTT                      time.Duration
	Pongs                    uint64
	BytesSent, BytesReceived uint64
}

// Peers lists the nodes that completed the handshake.
func (s *Sync) Peers() []Peer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Peer, 0, len(s.peers))
	for _, p := range s.peers {
		if p.version == nil {
			continue
		}
		dir := "inbound"
		if p.dir == network.DirOutbound {
			dir = "outbound"
		}
		c := p.stream.Conn()
		out = append(out, Peer{
			ID: p.id, Addr: c.RemoteMultiaddr().String(), Direction: dir,
			Source: s.cfg.Conns.Source(c), Since: c.Stat().Opened,
			Link: p.link.Rule(), RTT: time.Duration(p.rtt.Load()), Pongs: p.pongs.Load(),
			BytesSent: p.sent.Load(), BytesReceived: p.received.Load(),
		})
	}
	return out
}

// ConnectedVia is the source of the longest-connected peer, controlapi.ViaNone
// without peers: a node that reconnected from its peer DB says so while
// that peer stays, whatever it found later.
func ConnectedVia(peers []Peer) string {
	if len(peers) == 0 {
		return controlapi.ViaNone
	}
	first := slices.MinFunc(peers, func(a, b Peer) int {
		return cmp.Or(a.Since.Compare(b.Since), strings.Compare(string(a.ID), string(b.ID)))
	})
	return first.Source
}

// PeerCount is len(Peers()) without building the list.
func (s *Sync) PeerCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.peers {
		if p.version != nil {
			n++
		}
	}
	return n
}

// AnnounceBlocks offers blocks (parent-first) to every peer that does not
// have them; the chain's connect events call it.
func (s *Sync) AnnounceBlocks(hashes []chain.Hash) {
	items := make([]wire.InvVect, len(hashes))
	for i, h := range hashes {
		s.arrivals.arrived(h, true)
		items[i] = wire.InvVect{Type: wire.InvBlock, Hash: h}
	}
	s.announce(items)
}

// SetOnPeer sets the handshake callback (before Start).
func (s *Sync) SetOnPeer(fn func(c network.Conn)) { s.cfg.OnPeer = fn }

// AnnounceTxs offers pooled transactions to every peer that lacks them.
func (s *Sync) AnnounceTxs(txs []*chain.Tx) {
	s.announce(txInvs(txs))
}

// txInvs are the inventory items announcing txs.
func txInvs(txs []*chain.Tx) []wire.InvVect {
	items := make([]wire.InvVect, len(txs))
	for i, tx := range txs {
		items[i] = wire.InvVect{Type: wire.InvTx, Hash: tx.ID()}
	}
	return items
}

// SubmitTx adds a transaction to the mempool and offers it to the peers.
func (s *Sync) SubmitTx(tx *chain.Tx) error {
	added, err := s.cfg.Pool.Add(tx)
	if err != nil {
		return err
	}
	if added {
		s.arrivals.arrived(tx.ID(), false)
		s.AnnounceTxs(append([]*chain.Tx{tx}, s.cfg.Pool.Adopt(tx.ID())...))
	}
	return nil
}

// announce offers items to every peer, those still in their handshake
// included: what connects between the version we sent them and their
// verack is news to them, and they would not ask for it.
func (s *Sync) announce(items []wire.InvVect) {
	s.mu.Lock()
	peers := s.peerListLocked()
	s.mu.Unlock()
	for _, p := range peers {
		p.announce(items)
	}
}

// peerListLocked is every peer stream, handshakes in progress included,
// to act on once s.mu is released (s.mu held).
func (s *Sync) peerListLocked() []*peerConn {
	return slices.Collect(maps.Values(s.peers))
}
