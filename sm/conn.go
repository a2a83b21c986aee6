package sm

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// readBufSize is the read buffer of a wrapped connection.
const readBufSize = 4096

// ackRequest is the <r/> nonza.
var ackRequest = []byte(`<r xmlns='` + NS + `'/>`)

// conn is a net.Conn that counts the stanzas crossing it in both
// directions and keeps a copy of each outbound stanza for resending.
//
// It implements io.ByteReader so that encoding/xml reads it byte by byte
// without a buffer of its own: an inbound stanza is counted exactly when
// the decoder has consumed its last byte, never earlier.
type conn struct {
	net.Conn
	st *State

	// Read side, used by the one goroutine reading the session.
	rbuf       []byte
	rpos, rend int
	in         tracker
	fast       fastHolder // inbound messages read by xmltok (fast.go)
	refused    error      // an element past a limit (limit.go): every later read fails with it
	textSeen   bool       // text other than white space since the last top-level element (fast.go)
	pending    error      // a read error met while reading ahead (fast.go): returned once the buffer is consumed

	// Write side.
	wmu  sync.Mutex
	out  tracker
	join []byte // a write with an <r/> appended (Write)

	// gaveUp is set by the first failed read: the connection is dead to
	// us, and nothing more is written on it (see errGaveUp); readErr is
	// that read's error.
	gaveUp  atomic.Bool
	readErr atomic.Value // error

	// authed is set when the connection has authenticated: only then does
	// a Tap see its elements (tap.go).
	authed atomic.Bool

	// Guarded by st.mu.
	inOn, outOn bool // counting armed (after <enabled/> / <resumed/>)
	advertised  bool // the server offered urn:xmpp:sm:3 on this connection
}

// Wrap returns c wrapped so that the State counts the stanzas crossing it;
// hand the result to mellium (xmpp.NewSession or NewClientSession) as the
// session's connection. Wrap the innermost plaintext connection: a
// *tls.Conn for direct TLS, the TCP connection when there is no TLS. For
// STARTTLS, pass the TCP connection unwrapped and use State.StartTLS, which
// wraps the TLS connection it creates.
//
// The new connection becomes the current one: counting on any earlier
// connection stops. Wrap a new connection only after Serve on the previous
// session has returned, so that every stanza the old connection delivered
// was counted.
func (st *State) Wrap(c net.Conn) net.Conn {
	w := &conn{Conn: c, st: st, rbuf: make([]byte, readBufSize)}
	w.out.capture = true
	w.in.limits = true
	w.in.capMax = MaxTapBytes
	st.mu.Lock()
	st.cur = w
	st.enabled = false
	st.reqOut = false
	st.pace.owe = false
	st.mu.Unlock()
	return w
}

// errGaveUp is returned by writes after a read failed. A connection whose
// read failed (a deadline that passed during a suspend, a reset) is one
// parley gives up on, but it may still be open: mellium's exit path would
// write </stream:stream> (and a stream error) on it, and a server that
// reads them ends the stream-management session the next connection wants
// to resume. So nothing is written on it any more: the server sees the
// connection drop and keeps the session resumable. Outbound stanzas are
// still counted and queued, and are resent on resume.
var errGaveUp = errors.New("sm: connection given up after a failed read; not writing to it")

// giveUp records a failed read.
func (c *conn) giveUp(err error) error {
	if !c.gaveUp.Load() {
		c.readErr.Store(fmt.Errorf("%w (%w)", err, errGaveUp))
		c.gaveUp.Store(true)
	}
	return err
}

// writeRefused is the error of a write after giveUp: the read's error
// (which is what ended the connection, and what mellium's Serve returns
// when its closing write fails), marked errGaveUp.
func (c *conn) writeRefused() error {
	return c.readErr.Load().(error)
}

// ConnectionState returns the TLS state of the wrapped connection, if any,
// so that mellium's Session.ConnectionState keeps working.
func (c *conn) ConnectionState() tls.ConnectionState {
	if tc, ok := c.Conn.(interface {
		ConnectionState() tls.ConnectionState
	}); ok {
		return tc.ConnectionState()
	}
	return tls.ConnectionState{}
}

// ReadByte implements io.ByteReader.
func (c *conn) ReadByte() (byte, error) {
	for {
		if c.refused != nil {
			return 0, c.refused
		}
		if c.rpos == c.rend {
			if err := c.pending; err != nil {
				c.pending = nil
				return 0, c.giveUp(err)
			}
			n, err := c.Conn.Read(c.rbuf)
			if n <= 0 {
				if err == nil {
					err = io.ErrNoProgress
				}
				return 0, c.giveUp(err)
			}
			c.rpos, c.rend = 0, n
		}
		b := c.rbuf[c.rpos]
		if c.in.depth == 1 && c.in.atBoundary() {
			switch {
			case b != '<':
				// Text between elements: the decoder returns it before
				// the next element, and mellium fails on any but white
				// space, so no message may overtake it (fast.go).
				c.textSeen = c.textSeen || !isSpace(b)
			case c.textSeen:
				c.textSeen = false
			default:
				if f := c.fast.p.Load(); f != nil {
					done, err := c.divert(f)
					if err != nil {
						return 0, err
					}
					if done {
						continue
					}
				}
			}
		}
		c.rpos++
		if err := c.inbound(b); err != nil {
			return 0, err
		}
		return b, nil
	}
}

// Read implements io.Reader for readers other than encoding/xml.
func (c *conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.refused != nil {
		return 0, c.refused
	}
	var n int
	if c.rpos < c.rend {
		n = copy(p, c.rbuf[c.rpos:c.rend])
		c.rpos += n
	} else if err := c.pending; err != nil {
		c.pending = nil
		return 0, c.giveUp(err)
	} else {
		var err error
		n, err = c.Conn.Read(p)
		if n <= 0 {
			return n, c.giveUp(err)
		}
	}
	for i, b := range p[:n] {
		if err := c.inbound(b); err != nil {
			return i, err
		}
	}
	return n, nil
}

// inbound tracks one received byte and counts a completed stanza. It fails
// on an element past a limit (limit.go). A complete stream error gives the
// connection up: mellium would write the server's error back to it (and,
// when that write fails, report the write's error instead); writes now fail
// with the stream error, which is what Serve returns.
func (c *conn) inbound(b byte) error {
	if !c.in.top {
		// Between elements: capture the next one only for a Tap.
		c.in.capture = c.st.tapFor(c) != nil
	}
	e, ok := c.in.feed(b)
	if c.in.size > c.in.limit || c.in.run > MaxStanzaSize || c.in.depth > MaxDepth+1 {
		if err := c.overLimit(e, ok); err != nil {
			c.refused = c.giveUp(err)
			return err
		}
	}
	if !ok {
		return nil
	}
	if e.raw != nil {
		if t := c.st.tapFor(c); t != nil {
			t.Element(true, e.raw, c.in.cut)
		}
	}
	if !e.stanza {
		if isStreamError(e.name) {
			_ = c.giveUp(streamError(c.in.head))
		}
		return nil
	}
	c.countIn()
	return nil
}

// Write implements io.Writer: it counts and keeps each completed outbound
// stanza before writing, then asks for an acknowledgement when stanzas are
// waiting for one and none is outstanding.
func (c *conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	var dropped [][]byte
	iq := false
	for _, b := range p {
		e, ok := c.out.feed(b)
		if !ok {
			continue
		}
		iq = iq || e.name == "iq"
		if t := c.st.tapFor(c); t != nil {
			raw, cut := e.raw, false
			if len(raw) > MaxTapBytes {
				raw, cut = raw[:MaxTapBytes], true
			}
			t.Element(false, raw, cut)
		}
		if !e.stanza {
			continue
		}
		st := c.st
		st.mu.Lock()
		if c.outOn && st.cur == c {
			dropped = append(dropped, st.enqueueLocked(e.raw)...)
		}
		st.mu.Unlock()
	}
	c.reportDrops(dropped)
	if f := c.st.opts.OnIQ; iq && f != nil {
		defer f() // after the write: the reply cannot come before it
	}
	if c.gaveUp.Load() {
		return 0, c.writeRefused()
	}
	if !c.out.atBoundary() || !c.st.takeRequest(c) {
		return c.Conn.Write(p)
	}
	if len(p) > maxJoin {
		n, err := c.Conn.Write(p)
		if err == nil {
			// The bytes of p were written; a failure shows on the next write.
			_, _ = c.Conn.Write(ackRequest)
		}
		return n, err
	}
	// The request rides in the same write (one TLS record, one system call).
	c.join = append(append(c.join[:0], p...), ackRequest...)
	n, err := c.Conn.Write(c.join)
	return min(n, len(p)), err
}

// maxJoin is the largest write that an <r/> is appended to (copied into
// conn.join) rather than written after it.
const maxJoin = 8192

func (c *conn) reportDrops(dropped [][]byte) {
	if f := c.st.opts.OnDrop; f != nil {
		for _, d := range dropped {
			f(d)
		}
	}
}

// writeRaw writes complete top-level elements that must not be counted
// (resent stanzas, nonzas written outside the XML encoder).
func (c *conn) writeRaw(p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.gaveUp.Load() {
		return c.writeRefused()
	}
	_, err := c.Conn.Write(p)
	return err
}

// writeAtBoundary writes p if the outbound stream is between top-level
// elements (a write in the middle of another would corrupt it).
func (c *conn) writeAtBoundary(p []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.out.atBoundary() && !c.gaveUp.Load() {
		// Best effort: the stream is being closed on an error anyway.
		_, _ = c.Conn.Write(p)
	}
}
