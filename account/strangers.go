package account

import (
	"encoding/xml"
	"strconv"
	"time"
)

// Presence from strangers. Presence (available, unavailable, error) from an
// address that is neither a contact (any roster item), nor our own account,
// nor an occupant of a room in the set (rooms.go takes those first) is not
// reported per address: anyone can send it, and half a million of them
// would otherwise be half a million entries kept by the receiver. It is
// counted and summarised in an InfoEvent: the first at once, then at most
// one line per strangerReport with the count since the last one.
// Subscription requests are not presence of this kind: they still come,
// bounded by the receiver.

// strangerReport is the least time between two summaries.
const strangerReport = time.Minute

// strangerCount is what is kept of presence from strangers. Guarded by
// Account.mu.
type strangerCount struct {
	total    int       // since the account was created
	pending  int       // since the last summary
	reported time.Time // when the last summary went out (zero: none yet)
}

// strangerPresence counts and consumes a presence from a stranger, and
// reports whether it did; any other presence is left (unread) to the
// presence parser.
func (h *handler) strangerPresence(start xml.StartElement, r xml.TokenReader) bool {
	switch attr(start, "type") {
	case "", "unavailable", "error":
	default:
		return false // subscriptions, probes
	}
	a := h.a
	from, err := parseAddr(attr(start, "from"), a.bare, &a.jids)
	if err != nil {
		return false // the parser reports it
	}
	bare := from.Bare()
	if bare.Equal(a.bare) {
		return false
	}
	key := bare.String()
	a.mu.Lock()
	if a.contacts.has(key) {
		a.mu.Unlock()
		return false
	}
	s := &a.strangers
	s.total++
	s.pending++
	now := h.clock()
	var text string
	switch {
	case s.reported.IsZero():
		text = "ignoring presence from addresses not in your roster (the first from " + clip(key, maxShort) + ")"
	case now.Sub(s.reported) >= strangerReport:
		text = "ignored " + strconv.Itoa(s.pending) + " more presences from addresses not in your roster (" +
			strconv.Itoa(s.total) + " in all; the latest from " + clip(key, maxShort) + ")"
	}
	if text != "" {
		s.reported, s.pending = now, 0
	}
	a.mu.Unlock()
	drainAll(r)
	if text != "" {
		a.emit(InfoEvent{Base: a.base(), Text: text})
	}
	return true
}

// StrangerPresences returns how many presences from strangers were ignored
// (see strangers.go).
func (a *Account) StrangerPresences() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.strangers.total
}
