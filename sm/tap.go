package sm

// This file holds the tap: an observer of the top-level elements crossing
// the current connection (the XML console), off unless a Tap is set.

// Tap sees copies of the top-level elements (stanzas and nonzas) crossing
// a wrapped connection, for the XML console. Only what crosses after
// authentication is shown to it: the TLS and SASL negotiation (the
// credentials) never reaches a Tap; Authenticated marks where it was.
//
// A Tap runs on the goroutine reading or writing the session, the writer
// holding the connection's write lock: it must return at once, never wait
// (copy what it keeps into a bounded buffer and drop when that is full).
type Tap interface {
	// Element is called with a top-level element as read (in) or
	// written. raw is only valid during the call. cut says raw holds the
	// first MaxTapBytes bytes only.
	Element(in bool, raw []byte, cut bool)
	// Authenticated is called when a connection has authenticated: what
	// it carried before (stream headers, TLS, SASL) was not shown.
	Authenticated()
}

// MaxTapBytes bounds the bytes of an inbound element kept for a Tap; the
// rest is not captured (and cut is set). Outbound elements are captured
// whole for resending anyway; a Tap bounds what it copies of them.
const MaxTapBytes = 64 << 10

// tapBox holds a Tap for an atomic.Pointer.
type tapBox struct{ t Tap }

// SetTap sets the Tap of the State (nil removes it). While none is set,
// connections capture nothing for it: the cost is one atomic load per
// byte between inbound elements. An inbound element already begun when
// the Tap is set is not shown.
func (st *State) SetTap(t Tap) {
	if t == nil {
		st.tap.Store(nil)
		return
	}
	st.tap.Store(&tapBox{t: t})
}

// tapFor returns the Tap to show c's elements to, nil when none is set or
// c has not authenticated.
func (st *State) tapFor(c *conn) Tap {
	if !c.authed.Load() {
		return nil
	}
	if b := st.tap.Load(); b != nil {
		return b.t
	}
	return nil
}

// authenticated marks c as past authentication (the bind feature runs
// after SASL succeeded and the stream restarted) and tells the Tap.
func (st *State) authenticated(c *conn) {
	c.authed.Store(true)
	if b := st.tap.Load(); b != nil {
		b.t.Authenticated()
	}
}
