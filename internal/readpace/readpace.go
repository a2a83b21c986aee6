// Package readpace paces the reads of a stream connection so that a steady
// trickle of small stanzas is read a batch at a time rather than one
// wake-up each.
//
// On the machines parley was measured on, being woken costs a process
// about 50 µs of CPU, and a Go process about 120 µs (its runtime's monitor
// thread and scheduler come along): at 100 stanzas a second, each read
// alone, that is 12-16 ms of CPU a second before a stanza is parsed
// (bench TestWakeFloor). A Conn reads at once what is waiting, and the
// first stanza after a quiet spell at once; only when it read less than
// Gap ago, nothing is waiting in the socket and no reply is awaited (Wake)
// does it wait out the rest of Gap before reading, so that what comes
// meanwhile is read in one go. Wake ends the wait: the owner calls it when
// it sends a request (an IQ), so that request and reply chains (archive
// pages) run at the network's pace, not the gap's. Other writes do not
// wake it: a stream of receipts would undo the pacing.
//
// A Conn sits under TLS: its reads are the socket's. It paces nothing
// until Start: a login is a run of requests and replies, some of them
// (the TLS handshake, a roster) longer than a segment, and none of it
// should wait.
package readpace

import (
	"net"
	"sync/atomic"
	"syscall"
	"time"
)

// Gap is the shortest time between two paced reads.
const Gap = 50 * time.Millisecond

// Conn is a net.Conn whose reads are paced. Read is called from one
// goroutine at a time (as crypto/tls and any stream reader do); Start and
// Wake may be called concurrently with it.
type Conn struct {
	net.Conn
	raw   syscall.RawConn
	gap   time.Duration
	last  time.Time   // when the last read returned
	woken atomic.Bool // Wake since the last Read
	on    atomic.Bool // Start was called
	kick  chan struct{}
	timer *time.Timer
}

// New paces the reads of c when it is a TCP connection whose socket can
// be asked what is waiting; any other connection is returned unchanged.
// gap 0 means Gap.
func New(c net.Conn, gap time.Duration) net.Conn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return c
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return c
	}
	if gap <= 0 {
		gap = Gap
	}
	p := &Conn{Conn: c, raw: raw, gap: gap, kick: make(chan struct{}, 1)}
	if _, ok := p.waiting(); !ok {
		return c
	}
	return p
}

// Read reads what is waiting, after the rest of the gap when nothing is.
func (c *Conn) Read(b []byte) (int, error) {
	if c.woken.Swap(false) {
		select { // the kick is spent by this read
		case <-c.kick:
		default:
		}
	} else if wait := c.gap - time.Since(c.last); wait > 0 && c.on.Load() {
		if n, ok := c.waiting(); ok && n == 0 {
			c.sleep(wait)
		}
	}
	n, err := c.Conn.Read(b)
	c.last = time.Now()
	return n, err
}

// Start turns the pacing on. It may be called concurrently with Read.
func (c *Conn) Start() { c.on.Store(true) }

// Wake has the next read (or the one waiting) read at once: a reply is
// awaited.
func (c *Conn) Wake() {
	c.woken.Store(true)
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// sleep waits d, or until Wake.
func (c *Conn) sleep(d time.Duration) {
	if c.timer == nil {
		c.timer = time.NewTimer(d)
	} else {
		c.timer.Reset(d)
	}
	select {
	case <-c.timer.C:
	case <-c.kick:
		c.woken.Store(false)
		c.timer.Stop()
	}
}
