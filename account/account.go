// Package account is one XMPP account: a session goroutine that connects,
// logs in, fetches the roster, handles presence and 1:1 messages, and reports
// everything as typed events (see Event) to a Sink. It knows nothing of the
// UI.
//
// Concurrency: Run owns the session; the other methods are safe from any
// goroutine. Events go through one bounded, ordered queue per account
// (evqueue.go) and are delivered to the sink by one goroutine at a time, in
// the order they were emitted, with no lock held: the sink never runs under
// the session's input lock. Flush waits until they have all been delivered.
package account

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/caps"
	"parley/internal/jidcache"
	"parley/internal/readpace"
	"parley/payload"
	"parley/sm"
	"parley/tlstrust"
)

// Config is the static configuration of one account.
type Config struct {
	JID       jid.JID                                   // bare account JID
	Password  func(ctx context.Context) (string, error) // called at each login
	Host      string                                    // explicit endpoint; empty: SRV lookup, then domain:5222
	Port      int                                       // with Host; 0: 5222 (5223 for DirectTLS)
	DirectTLS bool                                      // XEP-0368 direct TLS instead of STARTTLS
	CAFile    string                                    // extra trusted roots (PEM) added to the system pool
	Trust     *tlstrust.Store                           // certificate pins (tls.go); nil: none, the authorities only
	Resource  string                                    // requested resource; empty: server-assigned
	Priority  int8                                      // presence priority
	Keepalive time.Duration                             // ping interval for the reliability work; 0 = 60s
	Nick      string                                    // default nick in rooms; empty: the JID's localpart
	Anchor    AnchorFunc                                // history's newest archive ids for catch-up (mam.go); nil: first-run fetch
	Roster    RosterStore                               // the roster kept between logins (XEP-0237, rosterver.go); nil: fetched whole at each login
	Outbox    string                                    // file keeping unsent messages across restarts (outboxfile.go); empty: memory only
	CapsCache string                                    // file caching others' XEP-0115 capabilities (caps.go); empty: memory only
	OMEMODir  string                                    // the account's OMEMO key store (omemo.go); empty: no OMEMO
	OMEMO     OMEMOMode                                 // when conversations are encrypted; with OMEMODir
	Version   string                                    // parley's version, in software version answers (XEP-0092)
	RevealOS  bool                                      // tell the operating system in version answers
	// RevealIdle answers last activity queries (XEP-0012) with the time
	// since NoteActivity; without it they are refused and not announced.
	RevealIdle bool
	// NoReceipts leaves the receipt requests (XEP-0184) of incoming
	// messages unanswered (config send_receipts = false).
	NoReceipts bool
	// Nickname is our XEP-0172 user nickname: published at login when the
	// one published differs, and carried by our subscription requests;
	// empty: none configured (/vcard set nick still publishes one).
	Nickname string
	// Acked, if set, is told of the bytes of sent stanzas the server
	// acknowledged, which stream management no longer holds for resending
	// (sm.Options.OnAcked): on the input goroutine, it must not block.
	Acked func(bytes int)
}

// Timeouts for work done outside the stanza handler.
const (
	loginTimeout = 30 * time.Second // dial + TLS + SASL + bind
	iqTimeout    = 30 * time.Second // roster fetch and other requests
	closeTimeout = 3 * time.Second  // waiting for the server's </stream:stream>
	// goodbyeWait bounds the clean logout's writes (unavailable presence,
	// the last stream-management ack, </stream:stream>) at Close and
	// Disconnect; then the connection is closed whatever the server does.
	goodbyeWait = 2 * time.Second
)

// Account is one XMPP account. Create it with New and drive it with Run.
type Account struct {
	cfg  Config
	sink Sink     // puts an event in evq
	evq  *evQueue // the ordered queue in front of the caller's sink (evqueue.go)
	bare jid.JID
	// pacer paces the reads of the connection online now, nil when none
	// (connect.go paceReads); sm wakes it for each IQ sent.
	pacer atomic.Pointer[readpace.Conn]

	reg      *payload.Registry // message payload parsers by namespace (package payload)
	jids     jidcache.Cache    // addresses parsed recently (from, to, by)
	features []string          // what disco#info announces (handler.go)
	info     caps.Info         // our disco#info answer (caps.go)
	capsVer  string            // its XEP-0115 verification string
	answer   *caps.Answer      // info as tokens, for the input goroutine (handler.go)
	caps     capsState         // others' capabilities (caps.go)
	om       omemoState        // OMEMO (omemo.go)
	bootWarn []string          // problems opening files in New, reported at the first login (caps.go)

	lastActive atomic.Int64 // unix nanoseconds of the user's last activity (entity.go)

	mu        sync.Mutex
	state     State
	sess      *xmpp.Session // non-nil while a session is up
	conn      net.Conn
	show      Show
	status    string
	running   bool
	closing   bool
	cancel    context.CancelFunc // cancels the current Run
	done      chan struct{}      // closed when the current Run returns
	rosterOK  bool               // the roster was fetched on this session
	contacts  contactList        // the roster items (contacts.go)
	strangers strangerCount      // presence from others (strangers.go)
	roster    rosterCache        // the roster for cfg.Roster (rosterver.go)
	rooms     roomSet            // group chat: rooms, bookmarks (room.go); own lock
	blk       blockState         // the block list (blocking.go); own lock
	// newPassword is the password ChangePassword set, used by the next
	// logins instead of cfg.Password (register.go); empty: none.
	newPassword string

	rel  relState   // carbons, archive queries, held live messages, receipts (mam.go)
	rcpt receiptOut // receipts waiting to be written (receiptsend.go)

	sm  *sm.State   // stream management, kept across connections (connect.go)
	rc  reconnState // reconnect, backoff, Disconnect (reconnect.go)
	ob  outbox      // messages waiting to be sent (outbox.go)
	csi csiState    // client state indication (csi.go)
	tls tlsState    // the current connection's TLS, for /tls show (tls.go)
	xc  xcState     // the XML console (xmlconsole.go)
}

// New returns an account that reports to sink. It does not connect: call Run.
func New(cfg Config, sink Sink) *Account {
	if sink == nil {
		sink = func(Event) {}
	}
	if cfg.Keepalive == 0 {
		cfg.Keepalive = 60 * time.Second
	}
	a := &Account{cfg: cfg, bare: cfg.JID.Bare()}
	a.evq = newEvQueue(a.pipeline(sink)) // OMEMO tasks and decryption run in its goroutine (omemo.go)
	a.sink = a.evq.put
	a.reg = payload.Default()
	a.openOMEMO() // the key store, before the features that depend on it (omemo.go)
	a.lastActive.Store(time.Now().UnixNano())
	a.features = discoFeatures(a.reg, append(notifyFeatures(a.om.mgr != nil), entityFeatures(cfg)...)...)
	if a.om.mgr == nil { // no OMEMO: no interest in device lists
		a.features = slices.DeleteFunc(a.features, func(f string) bool { return f == nsOMEMO+".devicelist+notify" })
	}
	a.info = ownInfo(a.features)
	a.capsVer = caps.Ver(a.info)
	a.answer = caps.NewAnswer(a.info)
	a.openCaps()
	a.sm = sm.New(sm.Options{OnDrop: a.smDropped, OnAcked: cfg.Acked, OnIQ: a.awaitReply})
	a.rc.wake = make(chan struct{}, 1)
	a.roster.dirty = make(chan struct{}, 1)
	return a
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

// fillEvent emits e in the place reserved for it (evQueue.reserve): there,
// or where the catch-up holds its conversation's events (mam.go).
func (a *Account) fillEvent(place *slot, e Event) {
	if a.held(e) {
		e = nil
	}
	a.evq.fill(place, e)
}

func (a *Account) setState(s State, err error, text string) {
	a.mu.Lock()
	a.state = s
	a.mu.Unlock()
	a.emit(StateEvent{Base: a.base(), State: s, Err: err, Text: text})
}

// resumed reports Online on a resumed stream.
func (a *Account) resumed(text string) {
	a.mu.Lock()
	a.state = Online
	a.mu.Unlock()
	a.emit(StateEvent{Base: a.base(), State: Online, Text: text, Resumed: true})
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

// afterLogin fetches the roster, reports Online and sends initial presence.
// It runs outside the stanza handler because it waits for replies.
func (a *Account) afterLogin(ctx context.Context, sess *xmpp.Session) error {
	if a.sm.Resumed() {
		return a.afterResume(ctx, sess) // nothing was lost: no roster, presence, catch-up (reconnect.go)
	}
	a.csiFresh()
	a.reportBoot()
	if err := a.fetchRoster(ctx, sess); err != nil {
		if errors.Is(err, errRosterRefused) {
			a.emit(InfoEvent{Base: a.base(), Error: true, Text: err.Error()})
		} else {
			return err
		}
	}
	a.fetchBlocklist(ctx, sess) // XEP-0191, before anything is delivered (blocking.go)
	a.discoverSIDs(ctx, sess)   // XEP-0359: are live stanza-ids the server's? (mam.go)
	a.enableCarbons(ctx, sess)  // XEP-0280 (carbons.go)
	release := a.holdLive()     // live 1:1 messages wait for the archive catch-up (mam.go)
	defer release()
	if a.isClosing() {
		return nil
	}
	a.resendPending(ctx, sess) // messages a lost stream-management session never had acknowledged (outbox.go)
	// Online before the initial presence: the server sends the presence
	// of contacts only after it, so the receiver, which starts the new
	// session's presence from nothing at this event, loses none of it.
	a.setState(Online, nil, "online as "+sess.LocalAddr().String())
	a.mu.Lock()
	show, status := a.show, a.status
	a.mu.Unlock()
	sendCtx, cancel := context.WithTimeout(ctx, iqTimeout)
	defer cancel()
	if err := sess.Send(sendCtx, presenceStanza(show, status, a.cfg.Priority, a.capsElem())); err != nil {
		return err
	}
	a.loggedIn(ctx, sess)           // backoff reset, client state, outbox (reconnect.go)
	go a.roomsLogin(ctx, sess)      // rejoin rooms, bookmarks, autojoin, self-ping (rooms.go)
	go a.omemoLogin(ctx, sess)      // publish our OMEMO bundle and device (omemo.go)
	go a.publishConfiguredNick(ctx) // XEP-0172 (nick.go)
	a.catchUp(ctx, sess)            // XEP-0313 archive sync, then the held messages (mam.go)
	// Behind what the catch-up delivered: the pre-keys it used, the key
	// transports owed (omemorecv.go).
	a.task(func() { a.omemoCaughtUp(sess) })
	return nil
}

func (a *Account) isClosing() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closing
}

// sendUnavailable sends unavailable presence, best effort.
func (a *Account) sendUnavailable(sess *xmpp.Session) {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	_ = sess.Send(ctx, unavailableStanza())
}

// goodbye logs out of sess cleanly (unavailable presence, the end of the
// stream) but waits for that at most goodbyeWait or until ctx ends: a write
// that cannot complete (the server stopped reading, and another write holds
// the session's send lock) is abandoned and conn is closed, which ends the
// blocked writes and the session.
func (a *Account) goodbye(ctx context.Context, sess *xmpp.Session, conn net.Conn) {
	bye := make(chan struct{})
	go func() {
		defer close(bye)
		a.sendUnavailable(sess)
		a.closeCleanly(sess, conn)
	}()
	t := time.NewTimer(goodbyeWait)
	defer t.Stop()
	select {
	case <-bye:
	case <-t.C:
		_ = conn.Close()
	case <-ctx.Done():
		_ = conn.Close()
	}
}

// Close sends unavailable presence, closes the stream cleanly and waits,
// bounded by ctx, for Run to return. It is safe to call when not running.
// A server that does not read does not hold it up: after goodbyeWait the
// connection is closed regardless.
func (a *Account) Close(ctx context.Context) error {
	a.mu.Lock()
	if !a.running {
		a.mu.Unlock()
		return a.Flush(ctx)
	}
	first := !a.closing
	a.closing = true
	sess, conn, cancel, done := a.sess, a.conn, a.cancel, a.done
	a.mu.Unlock()

	if sess == nil {
		cancel() // still logging in: abandon it
	} else if first {
		a.goodbye(ctx, sess, conn)
	}
	select {
	case <-done:
		return a.Flush(ctx) // the last events reach the history before it closes
	case <-ctx.Done():
		if conn != nil {
			conn.Close()
		}
		cancel()
		return ctx.Err()
	}
}
