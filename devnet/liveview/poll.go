package liveview

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/devchain/devchain/internal/fanout"
	"github.com/devchain/devchain/node/controlapi"
)

// Snapshot is one poll of the devnet: the data of every event the page
// receives.
type Snapshot struct {
	Devnet string    `json:"devnet"`
	Time   time.Time `json:"time"`
	// Actions are the node actions the page offers as buttons (with
	// partition and heal); empty without --control.
	Actions []string `json:"actions"`
	// Gone, when set, is why the devnet no longer exists; the nodes are
	// then shown as last seen, down.
	Gone   string     `json:"gone,omitempty"`
	Nodes  []NodeView `json:"nodes"`
	Events []Event    `json:"events"` // oldest first, at most maxEvents
}

// NodeView is one node in a Snapshot.
type NodeView struct {
	Name   string `json:"name"`
	Role   string `json:"role"`
	PeerID string `json:"peer_id"`
	// State is "running" when the node's API answered this poll, else
	// "down" (stopped, killed, paused or unreachable) with Error saying why.
	State  string `json:"state"`
	Error  string `json:"error,omitempty"`
	Height uint64 `json:"height"`
	Tip    string `json:"tip"`
	// Peers are the names of the nodes it is connected to (a peer ID for a
	// peer outside the devnet), sorted.
	Peers        []string `json:"peers"`
	ConnectedVia string   `json:"connected_via"`
	Mempool      int      `json:"mempool"`
	RSSBytes     uint64   `json:"rss_bytes"`
}

// Node states.
const (
	stateRunning = "running"
	stateDown    = "down"
)

// pollParallel bounds the requests of one poll in flight at once.
const pollParallel = 16

// poller is the state kept from one poll to the next.
type poller struct {
	s     *Server
	prev  map[string]NodeView
	tl    timeline
	gone  string
	feeds *feeds
}

// minPollGap bounds how often node events may bring a poll forward, so a
// burst of them costs a few polls, not one each.
const minPollGap = 200 * time.Millisecond

// pollLoop polls every opts.Poll, and sooner (minPollGap after the last
// poll at the earliest) when a node's event log tells of a change; the
// interval starts again after each poll, so events move polls forward
// rather than add to them.
func (s *Server) pollLoop(ctx context.Context) {
	p := &poller{s: s, feeds: s.feeds}
	defer p.feeds.start(ctx, s)()
	t := time.NewTimer(s.opts.Poll)
	defer t.Stop()
	for {
		snap := p.round(ctx)
		if ctx.Err() != nil {
			return
		}
		if b, err := json.Marshal(snap); err == nil {
			s.publish(b)
		}
		t.Reset(s.opts.Poll)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.feeds.kick:
			select {
			case <-ctx.Done():
				return
			case <-time.After(minPollGap):
			}
		}
	}
}

// round polls once and records what changed since the last round.
func (p *poller) round(ctx context.Context) *Snapshot {
	s := p.s
	now := time.Now().UTC()
	snap := &Snapshot{Devnet: s.opts.Net.Name, Time: now, Actions: []string{}}
	if s.opts.Control != nil {
		snap.Actions = NodeActions
	}
	if p.gone == "" && s.opts.Gone != nil {
		if err := s.opts.Gone(); err != nil {
			p.gone = fmt.Sprintf("devnet %s is gone: %v", s.opts.Net.Name, err)
			fmt.Fprintf(s.opts.Out, "%s (the page says so until Ctrl-C)\n", p.gone)
			p.tl.add(Event{Time: now, Kind: "gone", Text: p.gone})
		}
	}
	var nodes []NodeView
	if p.gone != "" {
		snap.Gone = p.gone
		for _, n := range s.opts.Net.Nodes {
			v := p.prev[n.Name]
			v.Name, v.Role, v.PeerID = n.Name, string(n.Role), n.PeerID
			v.State, v.Error, v.Peers = stateDown, "the devnet is gone", []string{}
			nodes = append(nodes, v)
		}
	} else {
		var reorged map[string]bool
		nodes, reorged = p.pollNodes(ctx)
		told, live := p.feeds.drain()
		for n := range live {
			if live[n] {
				delete(reorged, n) // its own log tells its reorgs, with their depth
			}
		}
		p.tl.diff(now, p.prev, nodes, reorged, live)
		for _, e := range told {
			p.tl.add(e)
		}
	}
	p.prev = map[string]NodeView{}
	for _, v := range nodes {
		p.prev[v.Name] = v
	}
	snap.Nodes, snap.Events = nodes, p.tl.list()
	return snap
}

// pollNodes asks every node for /status and /peers. reorged names the
// nodes whose tip of the last round is no longer on their chain although
// their height grew (a longer fork replaced it).
func (p *poller) pollNodes(ctx context.Context) ([]NodeView, map[string]bool) {
	net := p.s.opts.Net
	views := make([]NodeView, len(net.Nodes))
	peers := make([][]controlapi.Peer, len(net.Nodes))
	var mu sync.Mutex
	reorged := map[string]bool{}
	idx := make([]int, len(net.Nodes))
	for i := range idx {
		idx[i] = i
	}
	timeout := p.s.opts.Poll * 9 / 10
	anc := &ancestors{hash: map[ancestorKey]string{}}
	_ = fanout.Each(idx, pollParallel, func(i int) error {
		n := net.Nodes[i]
		v := NodeView{Name: n.Name, Role: string(n.Role), PeerID: n.PeerID, State: stateDown, Peers: []string{}}
		defer func() { views[i] = v }()
		base, err := p.s.opts.Backend.Endpoint(n.Name)
		if err != nil {
			v.Error = err.Error()
			return nil
		}
		c := controlapi.NewClient(base)
		rctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		st, err := c.Status(rctx)
		if err == nil {
			peers[i], err = c.Peers(rctx)
		}
		if err != nil {
			v.Error = err.Error()
			return nil
		}
		v.State, v.Height, v.Tip = stateRunning, st.Height, st.Tip
		v.ConnectedVia, v.Mempool, v.RSSBytes = st.ConnectedVia, st.Mempool, st.RSSBytes
		if st.PeerID != "" {
			v.PeerID = st.PeerID
		}
		if old, ok := p.prev[n.Name]; ok && anc.replaced(rctx, c, old, v) {
			mu.Lock()
			reorged[n.Name] = true
			mu.Unlock()
		}
		return nil
	})
	byID := map[string]string{}
	for _, v := range views {
		byID[v.PeerID] = v.Name
	}
	for i := range views {
		for _, pe := range peers[i] {
			name, ok := byID[pe.PeerID]
			if !ok {
				name = pe.PeerID
			}
			views[i].Peers = append(views[i].Peers, name)
		}
		slices.Sort(views[i].Peers)
		views[i].Peers = slices.Compact(views[i].Peers)
	}
	return views, reorged
}

// ancestors caches, for one poll, the block at a height below a tip: the
// same on every node on that tip, so a block that reaches every node costs
// one question, not one a node.
type ancestors struct {
	mu   sync.Mutex
	hash map[ancestorKey]string
}

type ancestorKey struct {
	tip    string
	height uint64
}

// replaced tells whether a node that grew from old to cur left old's tip
// behind: its block at old's height is another one. Only growth needs
// asking; a lower or equal height with another tip is a reorg on its face.
func (a *ancestors) replaced(ctx context.Context, c *controlapi.Client, old, cur NodeView) bool {
	if old.State != stateRunning || old.Tip == "" || cur.Tip == old.Tip || cur.Height <= old.Height {
		return false
	}
	key := ancestorKey{cur.Tip, old.Height}
	a.mu.Lock()
	h, ok := a.hash[key]
	a.mu.Unlock()
	if !ok {
		b, err := c.BlockAt(ctx, old.Height)
		if err != nil {
			return false
		}
		h = b.Hash
		a.mu.Lock()
		a.hash[key] = h
		a.mu.Unlock()
	}
	return h != old.Tip
}
