// Package xmlconsole is the XML console of an account: a tap on its
// connection (a sm.Tap) that copies the stanzas crossing it into a bounded
// inbox without ever waiting, a worker that turns them into display
// entries (redacted, pretty-printed, sanitized, with the spans to colour),
// and the check of raw XML typed to be sent.
//
// Nothing is captured while no console is open (sm.State.SetTap(nil)).
// What the connection carried before authentication (TLS, SASL) never
// reaches the tap: a placeholder entry marks it. Secrets carried later are
// replaced before anything is kept for display (redact.go): passwords of
// XEP-0077 registration and password changes, of room joins and room
// configuration, of bookmarks, password fields of data forms, HTTP upload
// authorization headers, SASL elements.
//
// Everything shown is untrusted network text and goes through package
// sanitize: no control character, escape sequence or bidi control reaches
// the terminal.
package xmlconsole

import (
	"bytes"
	"sync"
	"time"
)

// Bounds of the inbox between the connection and the worker. Past them an
// element is dropped, counted, and a "dropped" entry says how many.
const (
	// MaxPending is the most elements waiting for the worker.
	MaxPending = 512
	// MaxPendingBytes bounds the bytes they hold.
	MaxPendingBytes = 4 << 20
	// MaxElement is the most bytes of one element kept; the rest is cut
	// and the entry marked.
	MaxElement = 64 << 10
)

// Dir is the direction of an element.
type Dir uint8

// Directions.
const (
	In  Dir = iota // from the server
	Out            // from us
)

// raw is one element waiting for the worker, or a marker.
type raw struct {
	t    time.Time
	dir  Dir
	data []byte
	cut  bool
	auth bool // a connection authenticated: its SASL exchange was hidden
}

// Inbox is a bounded buffer of elements copied off a connection. It
// implements sm.Tap: its methods copy at most MaxElement bytes, never
// wait beyond a short mutex, and drop when the buffer is full.
type Inbox struct {
	mu      sync.Mutex
	items   []raw
	bytes   int
	dropped int
	ready   chan struct{} // signalled (capacity 1) when items arrive
}

// NewInbox returns an empty Inbox.
func NewInbox() *Inbox { return &Inbox{ready: make(chan struct{}, 1)} }

// smNonza reports an XEP-0198 acknowledgement (<r/>, <a/>): written and
// read every few stanzas, they are left out of the console.
func smNonza(b []byte) bool {
	if len(b) > 96 || len(b) < 4 || b[0] != '<' || (b[1] != 'r' && b[1] != 'a') || (b[2] != ' ' && b[2] != '/') {
		return false
	}
	return bytes.Contains(b, []byte("urn:xmpp:sm:3"))
}

// Element implements sm.Tap.
func (b *Inbox) Element(in bool, data []byte, cut bool) {
	if smNonza(data) {
		return
	}
	if len(data) > MaxElement {
		data, cut = data[:MaxElement], true
	}
	d := Out
	if in {
		d = In
	}
	b.put(raw{t: time.Now(), dir: d, data: bytes.Clone(data), cut: cut})
}

// Authenticated implements sm.Tap.
func (b *Inbox) Authenticated() { b.put(raw{t: time.Now(), auth: true}) }

func (b *Inbox) put(r raw) {
	b.mu.Lock()
	if len(b.items) >= MaxPending || b.bytes+len(r.data) > MaxPendingBytes {
		b.dropped++
		b.mu.Unlock()
		return
	}
	b.items = append(b.items, r)
	b.bytes += len(r.data)
	b.mu.Unlock()
	select {
	case b.ready <- struct{}{}:
	default:
	}
}

// take returns the waiting elements and how many were dropped since the
// last take, emptying the inbox.
func (b *Inbox) take() ([]raw, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	items, dropped := b.items, b.dropped
	b.items, b.bytes, b.dropped = nil, 0, 0
	return items, dropped
}
