package controlapi

import (
	"container/list"
	"net"
	"net/http"
	"sync"
)

// capListener holds at most max connections open. A connection beyond it
// evicts the longest-quiet one: a connection that has not yet delivered a
// request (new, or idle between requests). Holding the newcomer back
// instead, as netutil.LimitListener does, would let a few thousand silent
// connections shut every client out until the timeouts free their places;
// evicting them keeps the API answering while they arrive. When every
// place is taken by a request being served, the newcomer is closed.
type capListener struct {
	net.Listener
	max int

	mu      sync.Mutex
	open    map[*capConn]struct{}
	quiet   *list.List // of *capConn, longest quiet first
	peak    int        // most connections open at once (tests)
	evicted int        // connections closed to make room (tests)
	refused int        // newcomers closed for want of room (tests)
}

func newCapListener(l net.Listener, max int) *capListener {
	return &capListener{Listener: l, max: max, open: map[*capConn]struct{}{}, quiet: list.New()}
}

// capConn is a connection the listener counts.
type capConn struct {
	net.Conn
	l     *capListener
	quiet *list.Element // in l.quiet while quiet; nil otherwise
	gone  bool          // no longer counted
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		cc := &capConn{Conn: c, l: l}
		l.mu.Lock()
		var victim *capConn
		if len(l.open) >= l.max {
			if e := l.quiet.Front(); e != nil {
				victim = e.Value.(*capConn)
				l.forgetLocked(victim)
				l.evicted++
			}
		}
		room := len(l.open) < l.max
		if room {
			l.open[cc] = struct{}{}
			cc.quiet = l.quiet.PushBack(cc) // quiet until its request arrives
			l.peak = max(l.peak, len(l.open))
		} else {
			l.refused++
		}
		l.mu.Unlock()
		if victim != nil {
			// The server's goroutine on it gets an error and lets it go.
			victim.Conn.Close()
		}
		if !room {
			c.Close()
			continue
		}
		return cc, nil
	}
}

// connState follows the server's view of each connection (http.Server's
// ConnState hook): new and idle ones may be evicted, active ones not.
func (l *capListener) connState(c net.Conn, st http.ConnState) {
	cc, ok := c.(*capConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if cc.gone {
		return
	}
	switch st {
	case http.StateNew, http.StateIdle:
		if cc.quiet != nil {
			l.quiet.MoveToBack(cc.quiet)
		} else {
			cc.quiet = l.quiet.PushBack(cc)
		}
	case http.StateActive:
		if cc.quiet != nil {
			l.quiet.Remove(cc.quiet)
			cc.quiet = nil
		}
	case http.StateHijacked, http.StateClosed:
		l.forgetLocked(cc)
	}
}

func (l *capListener) forgetLocked(cc *capConn) {
	if cc.gone {
		return
	}
	cc.gone = true
	delete(l.open, cc)
	if cc.quiet != nil {
		l.quiet.Remove(cc.quiet)
		cc.quiet = nil
	}
}

func (c *capConn) Close() error {
	c.l.mu.Lock()
	c.l.forgetLocked(c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// counts are the figures the tests report.
func (l *capListener) counts() (open, peak, evicted, refused int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.open), l.peak, l.evicted, l.refused
}
