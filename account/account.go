// Package account is one XMPP account: a session goroutine that connects,
// logs in, fetches the roster, handles presence and 1:1 messages, and reports
// everything as typed events (see Event) to a Sink. It knows nothing of the
// UI.
//
// Concurrency: Run owns the session; the other methods are safe from any
// goroutine. Events are delivered synchronously from the session goroutine
// (and from the goroutine calling SendMessage, for our own messages); no lock
// is held while the sink runs.
package account

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
)

// Config is the static configuration of one account.
type Config struct {
	JID       jid.JID                                   // bare account JID
	Password  func(ctx context.Context) (string, error) // called at each login
	Host      string                                    // explicit endpoint; empty: SRV lookup, then domain:5222
	Port      int                                       // with Host; 0: 5222 (5223 for DirectTLS)
	DirectTLS bool                                      // XEP-0368 direct TLS instead of STARTTLS
	CAFile    string                                    // extra trusted roots (PEM) added to the system pool
	Resource  string                                    // requested resource; empty: server-assigned
	Priority  int8                                      // presence priority
	Keepalive time.Duration                             // ping interval for the reliability work; 0 = 60s
	Nick      string                                    // default nick in rooms; empty: the JID's localpart
	Anchor    AnchorFunc                                // history's newest archive ids for catch-up (mam.go); nil: first-run fetch
}

// Timeouts for work done outside the stanza handler.
const (
	loginTimeout = 30 * time.Second // dial + TLS + SASL + bind
	iqTimeout    = 30 * time.Second // roster fetch and other requests
	closeTimeout = 3 * time.Second  // waiting for the server's </stream:stream>
)

// Account is one XMPP account. Create it with New and drive it with Run.
type Account struct {
	cfg  Config
	sink Sink
	bare jid.JID

	mu       sync.Mutex
	state    State
	sess     *xmpp.Session // non-nil while a session is up
	conn     net.Conn
	show     Show
	status   string
	running  bool
	closing  bool
	cancel   context.CancelFunc // cancels the current Run
	done     chan struct{}      // closed when the current Run returns
	rosterOK bool               // the roster was fetched on this session
	rooms    roomSet            // group chat: rooms, bookmarks (room.go); own lock

	rel relState // carbons, archive queries, held live messages, receipts (mam.go)
}

// New returns an account that reports to sink. It does not connect: call Run.
func New(cfg Config, sink Sink) *Account {
	if sink == nil {
		sink = func(Event) {}
	}
	if cfg.Keepalive == 0 {
		cfg.Keepalive = 60 * time.Second
	}
	return &Account{cfg: cfg, sink: sink, bare: cfg.JID.Bare()}
}

// JID returns the bare JID of the account.
func (a *Account) JID() jid.JID { return a.bare }

// State returns the current connection state. It is safe from any goroutine.
func (a *Account) State() State {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state
}

func (a *Account) base() Base { return Base{Account: a.bare} }

// emit delivers an event, unless its conversation is being caught up from
// the archive: then it is held and delivered after (see mam.go). It must not
// be called with a.mu held.
func (a *Account) emit(e Event) {
	if !a.held(e) {
		a.sink(e)
	}
}

func (a *Account) setState(s State, err error, text string) {
	a.mu.Lock()
	a.state = s
	a.mu.Unlock()
	a.emit(StateEvent{Base: a.base(), State: s, Err: err, Text: text})
}

// online returns the live session or ErrOffline.
func (a *Account) online() (*xmpp.Session, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sess == nil || a.state != Online || a.closing {
		return nil, ErrOffline
	}
	return a.sess, nil
}

// Run connects and serves until ctx is cancelled, Close is called, or the
// session ends. It emits StateEvents: Connecting, Online (after the roster
// is fetched and initial presence sent), then Disconnected or Failed with
// Err and a one-line Text. It returns the error that ended the session, nil
// after a clean close (Close or ctx cancellation).
func (a *Account) Run(ctx context.Context) (err error) {
	a.mu.Lock()
	if a.running {
		a.mu.Unlock()
		return errors.New("account is already running")
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	a.running, a.closing, a.cancel, a.done, a.rosterOK = true, false, cancel, done, false
	a.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("internal error in account session")
			a.setState(Failed, err, "internal error: session stopped")
		}
		cancel()
		a.mu.Lock()
		a.running, a.sess, a.conn, a.cancel = false, nil, nil, nil
		a.mu.Unlock()
		close(done)
	}()

	a.setState(Connecting, nil, "connecting to "+a.endpoint())
	loginCtx, loginCancel := context.WithTimeout(runCtx, loginTimeout)
	sess, conn, err := a.login(loginCtx)
	loginCancel()
	if err != nil {
		if runCtx.Err() != nil || a.isClosing() {
			a.setState(Disconnected, nil, "disconnected")
			return nil
		}
		return a.fail(err)
	}
	defer conn.Close()

	a.mu.Lock()
	a.sess, a.conn = sess, conn
	closing := a.closing
	a.mu.Unlock()
	if closing {
		_ = sess.Close()
		a.setState(Disconnected, nil, "disconnected")
		return nil
	}

	served := make(chan error, 1)
	go func() { served <- sess.Serve(&handler{a: a}) }()

	setup := make(chan error, 1)
	go func() { setup <- a.afterLogin(runCtx, sess) }()

	for {
		select {
		case err := <-setup:
			setup = nil
			if err != nil && !a.isClosing() && runCtx.Err() == nil {
				// The session could not be set up (roster or presence failed
				// to send): close it and report.
				a.closeSession(sess, conn)
				<-served
				return a.fail(err)
			}
		case err := <-served:
			if a.isClosing() || runCtx.Err() != nil {
				a.setState(Disconnected, nil, "disconnected")
				return nil
			}
			if err == nil {
				err = ErrServerClosed
			}
			return a.fail(err)
		case <-runCtx.Done():
			a.markClosing()
			a.sendUnavailable(sess)
			a.closeSession(sess, conn)
			<-served
			a.setState(Disconnected, nil, "disconnected")
			return nil
		}
	}
}

// afterLogin fetches the roster and sends initial presence, then reports
// Online. It runs outside the stanza handler because it waits for replies.
func (a *Account) afterLogin(ctx context.Context, sess *xmpp.Session) error {
	if err := a.fetchRoster(ctx, sess); err != nil {
		if errors.Is(err, errRosterRefused) {
			a.emit(InfoEvent{Base: a.base(), Error: true, Text: err.Error()})
		} else {
			return err
		}
	}
	a.enableCarbons(ctx, sess) // XEP-0280 (carbons.go)
	release := a.holdLive()    // live 1:1 messages wait for the archive catch-up (mam.go)
	defer release()
	a.mu.Lock()
	show, status := a.show, a.status
	a.mu.Unlock()
	sendCtx, cancel := context.WithTimeout(ctx, iqTimeout)
	defer cancel()
	if err := sess.Send(sendCtx, presenceStanza(show, status, a.cfg.Priority)); err != nil {
		return err
	}
	if a.isClosing() {
		return nil
	}
	a.setState(Online, nil, "online as "+sess.LocalAddr().String())
	go a.roomsLogin(ctx, sess) // rejoin rooms, bookmarks, autojoin, self-ping (rooms.go)
	a.catchUp(ctx, sess)       // XEP-0313 archive sync, then the held messages (mam.go)
	return nil
}

// fail reports err as the end of the session and returns it.
func (a *Account) fail(err error) error {
	st, text := a.describe(err)
	a.setState(st, err, text)
	return err
}

func (a *Account) isClosing() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closing
}

func (a *Account) markClosing() {
	a.mu.Lock()
	a.closing = true
	a.mu.Unlock()
}

// sendUnavailable sends unavailable presence, best effort.
func (a *Account) sendUnavailable(sess *xmpp.Session) {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	_ = sess.Send(ctx, unavailableStanza())
}

// closeSession sends </stream:stream> and bounds the wait for the server's
// end of stream with a read deadline, so that Serve returns.
func (a *Account) closeSession(sess *xmpp.Session, conn net.Conn) {
	_ = sess.Close()
	_ = conn.SetReadDeadline(time.Now().Add(closeTimeout))
}

// Close sends unavailable presence, closes the stream cleanly and waits,
// bounded by ctx, for Run to return. It is safe to call when not running.
func (a *Account) Close(ctx context.Context) error {
	a.mu.Lock()
	if !a.running {
		a.mu.Unlock()
		return nil
	}
	first := !a.closing
	a.closing = true
	sess, conn, cancel, done := a.sess, a.conn, a.cancel, a.done
	a.mu.Unlock()

	if sess == nil {
		cancel() // still logging in: abandon it
	} else if first {
		a.sendUnavailable(sess)
		a.closeSession(sess, conn)
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		if conn != nil {
			conn.Close()
		}
		cancel()
		return ctx.Err()
	}
}
