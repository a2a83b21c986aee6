package account

import (
	"context"
	"slices"

	"mellium.im/xmpp"
)

// Roster versioning (XEP-0237). With a RosterStore, the account keeps the
// roster of the session and its version in memory, asks at login only
// for what changed since the version saved, and saves the roster after
// every change behind the stanza handler (one writer goroutine per Run,
// bursts coalesced into one save of a consistent snapshot).

// nsRosterVer is the stream feature of servers that version rosters.
const nsRosterVer = "urn:xmpp:features:rosterver"

// RosterStore keeps the roster and its version between logins (a flat
// file: package rostercache). Its methods are called outside the stanza
// handler, never at the same time.
type RosterStore interface {
	// Load returns the roster as last saved and its version; an error
	// (none saved, unreadable) means a full fetch.
	Load() (ver string, items []RosterItem, err error)
	// Save replaces what is kept with items at version ver.
	Save(ver string, items []RosterItem) error
}

// rosterCache is what the account keeps for the RosterStore besides the
// items (Account.contacts); guarded by Account.mu except dirty (send and
// receive only).
type rosterCache struct {
	ver     string
	ready   bool          // the items are the roster of this server session
	dirty   chan struct{} // buffered (1): the writer saves
	saveErr bool          // a save failed (reported once)
}

// rosterQueryVer returns the ver attribute for the roster get: the saved
// version when the server versions rosters and a store is set (a store
// without a saved roster asks with ver="" to start versioning), and the
// saved items. ok is false without versioning: a plain get.
func (a *Account) rosterQueryVer(sess *xmpp.Session) (ver string, cached []RosterItem, ok bool) {
	if a.cfg.Roster == nil {
		return "", nil, false
	}
	if _, adv := sess.Feature(nsRosterVer); !adv {
		return "", nil, false
	}
	a.mu.Lock()
	a.roster.ready = false // a new server session: pushes wait for its roster
	a.mu.Unlock()
	ver, cached, err := a.cfg.Roster.Load()
	if err != nil {
		return "", nil, true
	}
	return ver, cached, true
}

// rosterFetched records the roster of a fresh session: items, and with
// versioning (versioned) the version ver they are at; unchanged means the
// server answered that nothing changed since the saved items, cached,
// which are then the roster. It returns the items to report.
func (a *Account) rosterFetched(ver string, items, cached []RosterItem, versioned, unchanged bool) []RosterItem {
	if versioned && unchanged {
		items = cached
	}
	a.mu.Lock()
	a.rosterOK = true
	a.contacts.replace(items)
	if versioned {
		a.roster.ver, a.roster.ready = ver, true
	}
	a.mu.Unlock()
	if versioned && !unchanged {
		a.rosterDirty()
	}
	return items
}

// rosterPushed applies a roster push to the items; ver is the push's
// version ("" from a server that does not version: the next login then
// fetches the whole roster). A push before the fetch's result (which
// includes the change) is not saved. It runs in the stanza handler:
// memory only.
func (a *Account) rosterPushed(ver string, it RosterItem) {
	a.mu.Lock()
	a.contacts.apply(it)
	save := a.cfg.Roster != nil && a.roster.ready
	if save {
		a.roster.ver = ver
	}
	a.mu.Unlock()
	if save {
		a.rosterDirty()
	}
}

// rosterDirty wakes the writer without blocking.
func (a *Account) rosterDirty() {
	select {
	case a.roster.dirty <- struct{}{}:
	default: // a save is already due: it will take this change too
	}
}

// rosterWriter saves the roster whenever it changed, until ctx ends; a
// change still pending then is saved before it returns.
func (a *Account) rosterWriter(ctx context.Context) {
	for {
		select {
		case <-a.roster.dirty:
			a.saveRoster()
		case <-ctx.Done():
			select {
			case <-a.roster.dirty:
				a.saveRoster()
			default:
			}
			return
		}
	}
}

// saveRoster writes a snapshot: the items and the version they are at,
// copied together.
func (a *Account) saveRoster() {
	a.mu.Lock()
	ver := a.roster.ver
	items := slices.Clone(a.contacts.items) // in the order of their JIDs
	a.mu.Unlock()
	err := a.cfg.Roster.Save(ver, items)
	a.mu.Lock()
	report := err != nil && !a.roster.saveErr
	a.roster.saveErr = err != nil
	a.mu.Unlock()
	if report {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "roster cache: cannot save it (the next login fetches the whole roster): " + err.Error()})
	}
}
