package account

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/stream"

	"parley/sm"
)

// Reconnect backoff: exponential with full jitter, from backoffBase up to
// backoffCap; the attempt count starts over after a connection that stayed
// online for stableAfter.
const (
	backoffBase  = time.Second
	backoffCap   = 60 * time.Second
	backoffFloor = 100 * time.Millisecond
	stableAfter  = 10 * time.Second // online this long: the next loss is a new outage
	ackWait      = time.Second      // at a clean close, how long to wait for the server's last <a/>
)

// reconnState is the reconnect machinery's part of an Account. Its fields
// are guarded by Account.mu, except wake, which is only sent to and
// received from.
type reconnState struct {
	wake       chan struct{}      // buffered (1): ends a backoff wait or the idle state
	idle       bool               // Disconnect: stay offline until Connect or Reconnect
	idleCh     chan struct{}      // closed when Run went idle after Disconnect
	now        bool               // Reconnect: next attempt at once, backoff reset
	attempt    int                // consecutive attempts since the last stable connection
	sessCancel context.CancelFunc // aborts the current connection
	onlineAt   time.Time          // when the current connection went online; zero: not yet

	// Knobs (tests shorten them); zero: the constants above.
	base, cap, stable time.Duration
}

// Run connects, logs in and serves, and reconnects after a lost connection
// until ctx is cancelled or Close is called. It emits StateEvents:
// Connecting, Online (after the login sequence), Reconnecting with the
// reason and the delay ("reconnecting in 8s (attempt 3): connection lost")
// while it waits with exponential backoff and jitter, Disconnected after
// Disconnect (Run then waits for Connect or Reconnect) or at the end.
//
// Errors a retry will not fix end Run with Failed: bad credentials,
// certificate problems, TLS refused, and a resource conflict (another
// client logged in with the same resource: reconnecting would throw it out
// in turn, so parley stays off and says so). Run returns that error, nil
// after a clean end (Close or ctx cancellation).
func (a *Account) Run(ctx context.Context) error {
	runCtx, done, err := a.begin(ctx)
	if err != nil {
		return err
	}
	err = a.loop(runCtx, done)
	// Run's last events (the final state) have reached the sink when it
	// returns, unless the sink is stuck.
	fctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	_ = a.Flush(fctx)
	return err
}

// Connect starts the account if it is not running (as Run with a
// background context; Close stops it), ends the offline state after
// Disconnect, or ends a backoff wait. On an account that is online or
// connecting it does nothing and says so: ErrAlreadyOnline or
// ErrAlreadyConnecting. It is safe from any goroutine and does not block.
func (a *Account) Connect() error {
	a.mu.Lock()
	if a.running {
		defer a.mu.Unlock()
		switch {
		case a.rc.idle || a.state == Reconnecting:
			a.rc.idle, a.rc.now = false, true
			a.wakeUp()
			return nil
		case a.state == Online:
			return ErrAlreadyOnline
		}
		return ErrAlreadyConnecting
	}
	a.mu.Unlock()
	ctx, done, err := a.begin(context.Background())
	if err != nil {
		return ErrAlreadyConnecting // started concurrently
	}
	go a.loop(ctx, done) // failures are reported as events
	return nil
}

// Reconnect reconnects now: it ends a backoff wait (resetting the backoff)
// or the offline state after Disconnect, starts the account if it is not
// running, and drops a live connection without closing the stream, so that
// the new connection resumes the session (XEP-0198) and nothing is lost.
// It is safe from any goroutine and does not block.
func (a *Account) Reconnect() {
	a.mu.Lock()
	if !a.running {
		a.mu.Unlock()
		_ = a.Connect() // not running: it starts
		return
	}
	a.rc.idle, a.rc.now, a.rc.attempt = false, true, 0
	conn := a.conn
	a.mu.Unlock()
	if conn != nil {
		_ = conn.Close()
	}
	a.wakeUp()
}

// Disconnect logs out cleanly (unavailable presence, then the end of the
// stream) and keeps the account offline, Run still running, until Connect
// or Reconnect. It waits, bounded by ctx, until the account is offline.
// Messages sent meanwhile wait in the outbox. It is safe from any
// goroutine; on an account that is not running it does nothing.
func (a *Account) Disconnect(ctx context.Context) error {
	a.mu.Lock()
	if !a.running {
		a.mu.Unlock()
		return nil
	}
	if a.rc.idle && a.rc.idleCh == nil {
		a.mu.Unlock()
		return nil // already offline
	}
	a.rc.idle = true
	if a.rc.idleCh == nil {
		a.rc.idleCh = make(chan struct{})
	}
	ch := a.rc.idleCh
	sess, conn, cancel := a.sess, a.conn, a.rc.sessCancel
	a.mu.Unlock()
	if sess != nil {
		a.goodbye(ctx, sess, conn)
	} else if cancel != nil {
		cancel() // logging in: abandon it
	}
	a.wakeUp()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// begin marks the account running and returns Run's context.
func (a *Account) begin(ctx context.Context) (context.Context, chan struct{}, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.running {
		return nil, nil, errors.New("account is already running")
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	a.running, a.closing, a.cancel, a.done, a.rosterOK = true, false, cancel, done, false
	a.rc.idle, a.rc.now, a.rc.attempt = false, false, 0
	return runCtx, done, nil
}

// loop is the body of Run: one connection after another.
func (a *Account) loop(ctx context.Context, done chan struct{}) (err error) {
	a.mu.Lock()
	restore := !a.ob.restored
	a.ob.restored = true
	a.mu.Unlock()
	if restore {
		a.restoreOutbox() // what the last run left unsent goes first (outboxfile.go)
	}
	if a.cfg.Roster != nil {
		go a.rosterWriter(ctx) // ends with Run (ctx is cancelled when loop returns)
	}
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("internal error in account session")
			a.setState(Failed, err, "internal error: session stopped")
		}
		a.mu.Lock()
		cancel, idleCh := a.cancel, a.rc.idleCh
		a.running, a.sess, a.conn, a.cancel, a.rc.idleCh = false, nil, nil, nil, nil
		a.mu.Unlock()
		if cancel != nil {
			cancel()
		}
		if idleCh != nil {
			close(idleCh)
		}
		close(done)
	}()
	for {
		if a.isIdle() {
			if !a.stayIdle(ctx) {
				a.setState(Disconnected, nil, "disconnected")
				return nil
			}
			continue
		}
		err := a.connection(ctx)
		if ctx.Err() != nil || a.isClosing() {
			a.endClean()
			a.setState(Disconnected, nil, "disconnected")
			return nil
		}
		if a.isIdle() {
			a.endClean()
			continue
		}
		if err == nil {
			err = ErrServerClosed
		}
		st, text := a.describe(err)
		if st == Failed {
			a.certFailed(err) // the certificate to ask about (tls.go)
			a.setState(Failed, err, text)
			return err
		}
		d, n := a.nextDelay()
		cause := text
		if d == 0 {
			text = fmt.Sprintf("reconnecting now (attempt %d): %s", n, cause)
		} else {
			text = fmt.Sprintf("reconnecting in %s (attempt %d): %s", roundDelay(d), n, cause)
		}
		a.mu.Lock()
		a.state = Reconnecting
		a.mu.Unlock()
		a.emit(StateEvent{Base: a.base(), State: Reconnecting, Err: err, Text: text, Cause: cause})
		if !a.waitWake(ctx, d) {
			a.setState(Disconnected, nil, "disconnected")
			return nil
		}
	}
}

// stayIdle reports Disconnected and waits until Connect or Reconnect; it
// returns false when Run must end.
func (a *Account) stayIdle(ctx context.Context) bool {
	a.setState(Disconnected, nil, "disconnected")
	a.mu.Lock()
	ch := a.rc.idleCh
	a.rc.idleCh = nil
	a.mu.Unlock()
	if ch != nil {
		close(ch)
	}
	for a.isIdle() {
		if !a.waitWake(ctx, -1) {
			return false
		}
	}
	return true
}

// endClean forgets the stream-management session after a deliberate
// logout: the server ended it too, so the next login binds afresh.
func (a *Account) endClean() { a.sm.Reset() }

func (a *Account) isIdle() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rc.idle
}

// wakeUp ends a backoff wait or the idle state, without blocking.
func (a *Account) wakeUp() {
	select {
	case a.rc.wake <- struct{}{}:
	default:
	}
}

// waitWake waits d (forever if negative) or until wakeUp; it returns false
// when ctx ends first.
func (a *Account) waitWake(ctx context.Context, d time.Duration) bool {
	if d == 0 {
		return ctx.Err() == nil
	}
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return true
	case <-a.rc.wake:
		return true
	case <-ctx.Done():
		return false
	}
}

// nextDelay returns the wait before the next attempt and its number:
// 0 after Reconnect; else exponential backoff with full jitter, reset after
// a stable connection.
func (a *Account) nextDelay() (time.Duration, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	base, limit, stable := orDefault(a.rc.base, backoffBase), orDefault(a.rc.cap, backoffCap), orDefault(a.rc.stable, stableAfter)
	if a.rc.now {
		a.rc.now, a.rc.attempt = false, 1
		return 0, 1
	}
	if !a.rc.onlineAt.IsZero() && time.Since(a.rc.onlineAt) >= stable {
		a.rc.attempt = 0
	}
	a.rc.attempt++
	return backoff(a.rc.attempt, base, limit, rand.Int64N), a.rc.attempt
}

// backoff is the delay before attempt n (from 1): uniformly random in
// [floor, min(limit, base·2^(n-1))), with rnd(k) returning a number in
// [0, k).
func backoff(n int, base, limit time.Duration, rnd func(int64) int64) time.Duration {
	top := limit
	if n < 40 && base<<(n-1) < limit && base<<(n-1) > 0 {
		top = base << (n - 1)
	}
	d := time.Duration(rnd(int64(top)))
	if d < backoffFloor {
		d = backoffFloor
	}
	return d
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// roundDelay rounds a delay for display: whole seconds, or tenths below 10s.
func roundDelay(d time.Duration) time.Duration {
	if d >= 10*time.Second {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}

// serverCause returns err when it is the server's reason for ending a
// session (a stream error, a stanza refused as too large), else nil.
func serverCause(err error) error {
	var streamErr stream.Error
	var tooLarge *sm.LimitError
	if errors.As(err, &streamErr) || errors.As(err, &tooLarge) {
		return err
	}
	return nil
}

// connection runs one connection: login, the login sequence, serving, until
// the connection ends. It returns the error that ended it, nil when it was
// ended on purpose (Close, Disconnect, ctx).
func (a *Account) connection(ctx context.Context) error {
	sctx, scancel := context.WithCancel(ctx)
	defer scancel()
	a.mu.Lock()
	a.rc.sessCancel, a.rc.onlineAt, a.rc.now = scancel, time.Time{}, false
	a.mu.Unlock()
	select { // a wake-up meant for an earlier wait
	case <-a.rc.wake:
	default:
	}

	a.setState(Connecting, nil, "connecting to "+a.endpoint())
	loginCtx, loginCancel := context.WithTimeout(sctx, loginTimeout)
	sess, conn, err := a.login(loginCtx)
	loginCancel()
	if err != nil {
		if sctx.Err() != nil {
			return nil
		}
		return err
	}
	defer conn.Close()

	a.mu.Lock()
	a.sess, a.conn = sess, conn
	stop := a.closing || a.rc.idle
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.sess, a.conn, a.rc.sessCancel = nil, nil, nil
		a.mu.Unlock()
	}()
	if stop {
		_ = sess.Close()
		return nil
	}

	ka := newKeepalive(a, sess, conn)
	served := make(chan error, 1)
	h := ka.wrap(a.sm.Handler(&handler{a: a}))
	a.sm.FastPath(sess, h) // whole messages skip mellium's decoder (package sm, fast.go)
	go func() { served <- sess.Serve(h) }()
	go ka.run(sctx)
	setup := make(chan error, 1)
	go func() { setup <- a.afterLogin(sctx, sess) }()

	ended := func() bool { return sctx.Err() != nil || a.isClosing() || a.isIdle() }
	for {
		select {
		case err := <-setup:
			setup = nil
			if err == nil {
				defer a.paceReads(conn)()
			}
			if err != nil && !ended() {
				// The login sequence failed (roster or presence could not be
				// sent): drop this connection and try again. When it failed
				// because the server ended the stream (an error, a refused
				// stanza), that is what happened.
				_ = conn.Close()
				if cause := serverCause(<-served); cause != nil {
					return cause
				}
				return err
			}
		case err := <-served:
			if ended() {
				return nil
			}
			return ka.explain(err)
		case <-sctx.Done():
			a.sendUnavailable(sess)
			a.closeCleanly(sess, conn)
			<-served
			return nil
		}
	}
}

// wentOnline records that the connection is online (for the backoff reset).
func (a *Account) wentOnline() {
	a.mu.Lock()
	a.rc.onlineAt = time.Now()
	a.mu.Unlock()
}

// closeCleanly ends the stream: with stream management, it first asks the
// server to acknowledge what we sent (briefly), so that the last stanzas
// are not left unacknowledged; then </stream:stream>, with a read deadline
// bounding the wait for the server's.
func (a *Account) closeCleanly(sess *xmpp.Session, conn interface {
	SetReadDeadline(time.Time) error
}) {
	if a.sm.Enabled() && a.sm.Unacked() > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), ackWait)
		if a.sm.RequestAck(ctx, sess) == nil {
			for a.sm.Unacked() > 0 && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond)
			}
		}
		cancel()
	}
	_ = sess.Close()
	_ = conn.SetReadDeadline(time.Now().Add(closeTimeout))
}

// afterResume is the login sequence of a resumed stream: the session's
// state (roster, presence, rooms, subscriptions to pushes) is intact on
// both sides and sm has sent again what the server had not acknowledged,
// so it only reports Online and checks that the rooms still have us.
func (a *Account) afterResume(ctx context.Context, sess *xmpp.Session) error {
	a.resumed("online as " + sess.LocalAddr().String() + " (stream resumed)")
	a.loggedIn(ctx, sess)
	go a.roomsResumed(ctx, sess) // self-ping the rooms now, and keep pinging on this session (rooms.go)
	return nil
}

// loggedIn runs once the account is Online on sess, fresh or resumed: it
// notes the time (for the backoff reset), sends the client state if it
// changed, and sends what waits in the outbox.
func (a *Account) loggedIn(ctx context.Context, sess *xmpp.Session) {
	a.wentOnline()
	go a.sendCSI(ctx)
	go a.flushOutbox(ctx, sess)
}

// smDropped reports a stanza dropped from a full stream-management queue:
// if the connection is lost before the server acknowledges it, it cannot be
// sent again.
func (a *Account) smDropped(raw []byte) {
	if m, ok := pendingMessage(raw, a.bare); ok {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "too many unacknowledged stanzas: a message to " + m.To.String() + " will not be resent if the connection drops"})
	}
}
