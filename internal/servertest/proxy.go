package servertest

import (
	"errors"
	"net"
	"sync"
	"testing"
)

// Proxy is a loopback TCP proxy in front of a server that a test controls
// to simulate network faults: Cut drops every connection abruptly, Pause
// and Resume freeze and thaw the bytes in flight (a hung link that stays
// open), Close stops it. Clients connect to Addr instead of the server.
type Proxy struct {
	target string
	l      net.Listener

	mu     sync.Mutex
	links  map[*link]struct{}
	gate   chan struct{} // closed while forwarding; open while paused
	closed bool
	wg     sync.WaitGroup
}

// link is one proxied client connection and its upstream connection.
type link struct {
	client, server net.Conn
	once           sync.Once
	dead           chan struct{} // closed when the link is torn down
}

// Proxy starts a proxy in front of the server's c2s port; t.Cleanup closes it.
// The proxy keeps its address across Restart of the server.
func (s *Server) Proxy(t testing.TB) *Proxy {
	t.Helper()
	return NewProxy(t, s.Addr())
}

// NewProxy starts a proxy on a free loopback port that forwards each
// connection to target (host:port); t.Cleanup closes it.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("servertest: proxy: %v", err)
	}
	gate := make(chan struct{})
	close(gate)
	p := &Proxy{target: target, l: l, links: map[*link]struct{}{}, gate: gate}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Addr is the "host:port" clients dial instead of the server's.
func (p *Proxy) Addr() string { return p.l.Addr().String() }

// Conns returns how many client connections the proxy holds now.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

// accept serves new client connections until the listener closes. A client
// whose upstream dial fails is reset, as if the server refused it.
func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			abort(c)
			continue
		}
		lk := &link{client: c, server: up, dead: make(chan struct{})}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			abort(c)
			abort(up)
			continue
		}
		p.links[lk] = struct{}{}
		p.wg.Add(2)
		p.mu.Unlock()
		go p.pump(lk, c, up)
		go p.pump(lk, up, c)
	}
}

// pump copies src to dst, holding bytes while the proxy is paused, and
// tears the whole link down when either side ends.
func (p *Proxy) pump(lk *link, src, dst net.Conn) {
	defer p.wg.Done()
	defer p.drop(lk, false)
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			gate := p.gate
			p.mu.Unlock()
			select {
			case <-gate:
			case <-lk.dead:
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// drop tears lk down once: abruptly (RST) when reset, else with a close.
func (p *Proxy) drop(lk *link, reset bool) {
	lk.once.Do(func() {
		close(lk.dead)
		if reset {
			abort(lk.client)
			abort(lk.server)
		} else {
			lk.client.Close()
			lk.server.Close()
		}
		p.mu.Lock()
		delete(p.links, lk)
		p.mu.Unlock()
	})
}

// abort closes c with a TCP reset instead of an orderly FIN.
func abort(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// Cut resets every current connection on both sides at once, as a dropped
// network path or a crashed NAT would. New connections are still accepted.
func (p *Proxy) Cut() {
	p.mu.Lock()
	links := make([]*link, 0, len(p.links))
	for lk := range p.links {
		links = append(links, lk)
	}
	p.mu.Unlock()
	for _, lk := range links {
		p.drop(lk, true)
	}
}

// Pause stops forwarding bytes in both directions, on current and new
// connections, without closing anything: a hung link. Bytes read meanwhile
// are held and delivered on Resume.
func (p *Proxy) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.gate:
		p.gate = make(chan struct{})
	default: // already paused
	}
}

// Resume forwards again after Pause.
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.gate:
	default:
		close(p.gate)
	}
}

// Close stops accepting, resets all connections and waits for the proxy's
// goroutines. It is safe to call more than once.
func (p *Proxy) Close() {
	p.mu.Lock()
	already := p.closed
	p.closed = true
	p.mu.Unlock()
	if already {
		return
	}
	if err := p.l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		_ = err // nothing useful to do: the listener is gone either way
	}
	p.Cut()
	p.wg.Wait()
}
