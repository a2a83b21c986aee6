package notify

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"parley/dbus"
)

// Desktop timing.
const (
	// CallTimeout bounds one attempt: connecting, authenticating and the
	// Notify call together.
	CallTimeout = 3 * time.Second
	// retryAfter is how long a failed bus is left alone before the next
	// attempt (Available reports false meanwhile).
	retryAfter = time.Minute
	// queueLen is how many notifications may wait; more are dropped.
	queueLen = 8
)

// Desktop sends freedesktop.org desktop notifications over a D-Bus session
// bus, one goroutine doing the work: Send never blocks, a bus or daemon that
// does not answer costs CallTimeout per attempt on that goroutine only, and
// after a failure Available reports false for a while so the caller can fall
// back to something else. Create it with NewDesktop, stop it with Close.
type Desktop struct {
	addr   string
	queue  chan note
	stop   chan struct{}
	done   chan struct{}
	closed sync.Once

	failedAt atomic.Int64            // unix nanoseconds of the last failure; 0: none
	sent     atomic.Int64            // notifications the daemon accepted (tests)
	lastErr  atomic.Pointer[failure] // the last failure (tests, diagnostics)
}

type note struct{ summary, body string }

type failure struct{ err error }

// NewDesktop returns a Desktop for the bus at addr (a D-Bus address, see
// dbus.SessionAddress); nil when addr is empty (no session bus).
func NewDesktop(addr string) *Desktop {
	if addr == "" {
		return nil
	}
	d := &Desktop{addr: addr, queue: make(chan note, queueLen), stop: make(chan struct{}), done: make(chan struct{})}
	go d.run()
	return d
}

// Available reports whether a notification sent now is expected to show:
// false for a nil Desktop and for a while after a failure.
func (d *Desktop) Available() bool {
	if d == nil {
		return false
	}
	at := d.failedAt.Load()
	return at == 0 || time.Since(time.Unix(0, at)) > retryAfter
}

// Send queues a notification with summary and body (untrusted text: they
// are shortened, sanitized and escaped here). It never blocks; it reports
// false when the notification was dropped (queue full, or closed).
func (d *Desktop) Send(summary, body string) bool {
	if d == nil {
		return false
	}
	n := note{summary: Shorten(summary, MaxSummary), body: markup.Replace(Shorten(body, MaxBody))}
	select {
	case <-d.stop:
		return false
	default:
	}
	select {
	case d.queue <- n:
		return true
	default:
		return false
	}
}

// Sent returns how many notifications the daemon has accepted.
func (d *Desktop) Sent() int64 { return d.sent.Load() }

// Err returns the error of the last failed attempt, or nil.
func (d *Desktop) Err() error {
	if f := d.lastErr.Load(); f != nil {
		return f.err
	}
	return nil
}

// Close stops the sender; a notification being sent is given up.
func (d *Desktop) Close() {
	if d == nil {
		return
	}
	d.closed.Do(func() { close(d.stop) })
	<-d.done
}

func (d *Desktop) run() {
	defer close(d.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-d.stop
		cancel()
	}()
	var conn *dbus.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for {
		var n note
		select {
		case n = <-d.queue:
		case <-d.stop:
			return
		}
		cctx, ccancel := context.WithTimeout(ctx, CallTimeout)
		err := d.deliver(cctx, &conn, n)
		ccancel()
		if err != nil {
			if conn != nil {
				conn.Close()
				conn = nil
			}
			d.lastErr.Store(&failure{err})
			d.failedAt.Store(time.Now().UnixNano())
			continue
		}
		d.failedAt.Store(0)
		d.sent.Add(1)
	}
}

// deliver makes one Notify call, connecting first when *conn is nil.
func (d *Desktop) deliver(ctx context.Context, conn **dbus.Conn, n note) error {
	if *conn == nil {
		c, err := dbus.Dial(ctx, d.addr)
		if err != nil {
			return err
		}
		*conn = c
	}
	_, err := (*conn).Call(ctx, &dbus.Message{
		Path:        "/org/freedesktop/Notifications",
		Interface:   "org.freedesktop.Notifications",
		Member:      "Notify",
		Destination: "org.freedesktop.Notifications",
		Body: []any{"parley", uint32(0), "", n.summary, n.body, []string{},
			map[string]dbus.Variant{"category": {Sig: "s", Value: "im.received"}, "desktop-entry": {Sig: "s", Value: "parley"}},
			int32(-1)},
	})
	return err
}
