package account

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/ping"

	"parley/sm"
)

// errNoAnswer is the cause of a connection the keepalive found dead.
var errNoAnswer = errors.New("no answer from the server")

// keepalive notices a dead connection. Whenever nothing has been received
// for half the keepalive interval it sends a probe (a stream-management
// <r/> when stream management is on, else a XEP-0199 ping to the server)
// and sets a read deadline; anything received clears it. If nothing came
// within the interval of the last receipt it closes the connection (the
// deadline is only a backstop, see run). A link that hangs (no RST, no
// FIN: a suspended laptop, a dead NAT) thus ends the connection within the
// interval and the account reconnects, resuming the stream.
type keepalive struct {
	a     *Account
	sess  *xmpp.Session
	conn  net.Conn
	every time.Duration

	last  atomic.Int64 // unix nanoseconds of the last element received
	armed atomic.Bool  // a probe's read deadline is set
	dead  atomic.Bool  // no answer in time: the keepalive closed the connection
}

func newKeepalive(a *Account, sess *xmpp.Session, conn net.Conn) *keepalive {
	k := &keepalive{a: a, sess: sess, conn: conn, every: a.cfg.Keepalive}
	k.last.Store(time.Now().UnixNano())
	return k
}

// wrap returns next with every received top-level element (stanzas and
// stream-management answers alike) counted as a sign of life.
func (k *keepalive) wrap(next xmpp.Handler) xmpp.Handler {
	return xmpp.HandlerFunc(func(t xmlstream.TokenReadEncoder, start *xml.StartElement) error {
		k.alive()
		return next.HandleXMPP(t, start)
	})
}

// alive records that something arrived and clears a probe's deadline. The
// prober sets the deadline before marking it armed, so a deadline is
// never left behind once its answer came.
func (k *keepalive) alive() {
	k.last.Store(time.Now().UnixNano())
	if k.armed.Swap(false) {
		_ = k.conn.SetReadDeadline(time.Time{})
	}
}

// run probes until ctx ends (the connection's end).
func (k *keepalive) run(ctx context.Context) {
	step := k.every / 8
	if step < 50*time.Millisecond {
		step = 50 * time.Millisecond
	}
	t := time.NewTicker(step)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		last := time.Unix(0, k.last.Load())
		if k.armed.Load() {
			if time.Since(last) >= k.every {
				// Dead. Close the socket: the blocked read fails, and
				// the connection, given up, writes nothing more (package
				// sm), so a link that comes back delivers no
				// </stream:stream> that would end the session we want to
				// resume.
				k.dead.Store(true)
				_ = k.conn.Close()
				return
			}
			continue
		}
		if time.Since(last) < k.every/2 {
			continue
		}
		// The deadline is a backstop behind the check above.
		_ = k.conn.SetReadDeadline(last.Add(k.every + 2*step))
		k.armed.Store(true)
		go k.probe(ctx)
	}
}

// probe asks the server for an answer; the answer arrives through the
// handler (an <a/>) or, for a ping, as the result SendIQ consumes.
func (k *keepalive) probe(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, k.every/2+time.Second)
	defer cancel()
	if k.a.sm.Enabled() {
		if err := k.a.sm.RequestAck(ctx, k.sess); !errors.Is(err, sm.ErrNotEnabled) {
			return
		}
	}
	if ping.Send(ctx, k.sess, k.a.bare.Domain()) == nil {
		k.alive()
	}
}

// explain turns the error that ended Serve into the keepalive's verdict
// when the probe's deadline is what ended it.
func (k *keepalive) explain(err error) error {
	if k.dead.Load() || err != nil && k.armed.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%w within %s", errNoAnswer, k.every)
	}
	return err
}
