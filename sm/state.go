package sm

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"mellium.im/xmpp/jid"
)

// NS is the XEP-0198 namespace (version 3).
const NS = "urn:xmpp:sm:3"

// Default bounds of the unacknowledged queue.
const (
	DefaultMaxStanzas = 5000
	DefaultMaxBytes   = 4 << 20
)

// Errors reported by the package.
var (
	// ErrNotWrapped means the session's connection is not the one most
	// recently returned by State.Wrap (or by the StartTLS feature): the
	// counters would be wrong, so negotiation stops.
	ErrNotWrapped = errors.New("sm: session connection was not wrapped by this State")
	// ErrNotEnabled is returned by RequestAck when stream management is not
	// enabled on the current connection.
	ErrNotEnabled = errors.New("sm: stream management not enabled")
)

// HandledError is a protocol error of the server: it acknowledged more
// stanzas than were sent (XEP-0198 §4 "handled-count-too-high"), or sent an
// h that is not a number.
type HandledError struct {
	H    uint32 // the h the server sent (0 if unparsable)
	Sent uint32 // stanzas sent so far (the outbound count)
	Raw  string // the attribute as received, when it did not parse
}

// Error says what the server acknowledged and what we had sent.
func (e *HandledError) Error() string {
	if e.Raw != "" {
		return fmt.Sprintf("sm: server sent invalid h %q", e.Raw)
	}
	return fmt.Sprintf("sm: server acknowledged %d stanzas, only %d sent", e.H, e.Sent)
}

// Outcome is the result of the last negotiation on a State.
type Outcome int

// Outcomes of a negotiation.
const (
	// Fresh: no earlier stream-management session existed; the resource was
	// bound and stream management enabled if the server offers it.
	Fresh Outcome = iota
	// Resumed: the previous session was resumed; nothing was bound, the old
	// full JID stays and unacknowledged stanzas were sent again.
	Resumed
	// ResumeFailed: a previous session existed but could not be resumed (the
	// server forgot it, or no longer offers stream management). A new
	// resource was bound; the caller must log in fully again (roster,
	// presence, archive catch-up) and decide about Pending stanzas.
	ResumeFailed
)

// String names the outcome.
func (o Outcome) String() string {
	switch o {
	case Fresh:
		return "fresh"
	case Resumed:
		return "resumed"
	case ResumeFailed:
		return "resume-failed"
	}
	return "unknown"
}

// Options configures a State. The zero value uses the defaults.
type Options struct {
	// MaxStanzas bounds the unacknowledged queue (DefaultMaxStanzas if 0).
	MaxStanzas int
	// MaxBytes bounds the bytes held in the queue (DefaultMaxBytes if 0).
	MaxBytes int
	// OnDrop is called, without locks held, with each unacknowledged stanza
	// dropped from a full queue: it can no longer be sent again on resume.
	// It runs on the goroutine that was sending.
	OnDrop func(stanza []byte)
	// OnAcked is called, without locks held, with the bytes of the queued
	// stanzas each acknowledgement let go of (when not 0): memory the
	// caller may want handed back (a large queue acknowledged at once). It
	// runs on the session's input goroutine and must not block.
	OnAcked func(bytes int)
	// OnIQ is called after each write that holds an <iq/>: a reply may be
	// on its way (the account's paced reader, internal/readpace, reads it
	// at once). It runs on the goroutine that was sending, with the
	// session's write lock held, and must neither block nor write.
	OnIQ func()
}

// Stats is a snapshot of a State's counters.
type Stats struct {
	Enabled   bool    // stream management is active on the current connection
	Resumable bool    // the server allows resuming this session
	ID        string  // the server's id for the session (untrusted text)
	Location  string  // where the server prefers the resume (untrusted text)
	Max       int     // the server's resume timeout in seconds, 0 if unknown
	Addr      jid.JID // the full JID of the session
	Outcome   Outcome // the result of the last negotiation
	InH       uint32  // stanzas received since enable: the h we acknowledge
	OutH      uint32  // stanzas sent since enable
	Acked     uint32  // the last h acknowledged by the server
	Unacked   int     // stanzas held for resending
	Bytes     int     // bytes held for resending
	Requests  int     // <r/> sent
	Answers   int     // <a/> received
	Resent    int     // stanzas sent again after resumptions
	Dropped   int     // stanzas dropped from a full queue
}

// item is one unacknowledged outbound stanza: its bytes as written are
// head then tail, where tail, when not nil, is shared with the item before
// it (sharedTail).
type item struct {
	seq  uint32 // its number in the outbound count
	head []byte
	tail []byte
}

// bytes returns the stanza as written.
func (it item) bytes() []byte {
	if len(it.tail) == 0 {
		return it.head
	}
	return append(append(make([]byte, 0, len(it.head)+len(it.tail)), it.head...), it.tail...)
}

// size is the length of the stanza as written.
func (it item) size() int { return len(it.head) + len(it.tail) }

// minShared is the shortest common end of two consecutive stanzas that the
// queue keeps once for both.
const minShared = 128

// sharedTail splits data, the next stanza to keep, into the part to copy
// and the end it has in common with prev, the stanza before it, which the
// queue then holds once. Stanzas written in a burst are often the same but
// for their addressee and id, at the start: on Prosody a login with 2,000
// contacts answers as many disco#info requests with the same list of
// features, 1.4 KB each, all held until the server acknowledges them.
func sharedTail(prev item, data []byte) (head, tail []byte) {
	// The common end of data and prev's bytes, within prev's tail when it
	// has one (that is what can be shared without copying), else within
	// its head.
	end := prev.tail
	if len(end) == 0 {
		end = prev.head
	}
	n := 0
	for n < len(end) && n < len(data) && end[len(end)-1-n] == data[len(data)-1-n] {
		n++
	}
	if n < minShared {
		return bytes.Clone(data), nil
	}
	return bytes.Clone(data[:len(data)-n]), end[len(end)-n:]
}

// State is the stream-management state of one account. It outlives
// connections: the caller keeps one State per account and passes it to
// every connection attempt, so that a new connection can resume the old
// session. Only one connection uses a State at a time. A State is safe for
// concurrent use.
type State struct {
	opts Options
	tap  atomic.Pointer[tapBox] // the XML console's Tap (tap.go), nil when none

	mu        sync.Mutex
	cur       *conn // the connection being counted; nil before Wrap
	enabled   bool
	session   bool // a stream-management session was enabled and not forgotten
	resumable bool
	id        string
	location  string
	max       int
	addr      jid.JID
	outcome   Outcome
	inH       uint32
	outH      uint32
	acked     uint32
	queue     []item
	qBytes    int
	pending   [][]byte
	freed     int    // bytes let go of by acknowledgements, not yet told to OnAcked
	reqOut    bool   // an <r/> is waiting for its <a/>
	reqAt     uint32 // outH when that <r/> was sent
	stats     Stats  // counters only (Requests, Answers, Resent, Dropped)
	pace      pacing // when requests and answers may go out (pace.go)
	lastErr   error

	allow allowances // replies allowed past MaxStanzaSize (limit.go)
}

// New returns a State with no session.
func New(opts Options) *State {
	if opts.MaxStanzas <= 0 {
		opts.MaxStanzas = DefaultMaxStanzas
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	return &State{opts: opts}
}

// Stats returns a snapshot of the counters.
func (st *State) Stats() Stats {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.stats
	s.Enabled = st.enabled
	s.Resumable = st.resumable
	s.ID = st.id
	s.Location = st.location
	s.Max = st.max
	s.Addr = st.addr
	s.Outcome = st.outcome
	s.InH = st.inH
	s.OutH = st.outH
	s.Acked = st.acked
	s.Unacked = len(st.queue)
	s.Bytes = st.qBytes
	return s
}

// Enabled reports whether stream management is active on the current
// connection.
func (st *State) Enabled() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.enabled
}

// Outcome returns the result of the last negotiation.
func (st *State) Outcome() Outcome {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.outcome
}

// Resumed reports whether the last negotiation resumed the previous session.
func (st *State) Resumed() bool { return st.Outcome() == Resumed }

// Unacked returns how many sent stanzas the server has not acknowledged yet
// (those held for resending).
func (st *State) Unacked() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.queue)
}

// Addr returns the full JID of the session (bound or resumed).
func (st *State) Addr() jid.JID {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.addr
}

// Err returns the last protocol error the server caused (a bogus h), or nil.
func (st *State) Err() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.lastErr
}

// Pending takes the stanzas that were sent but never acknowledged by a
// session that could not be resumed (Outcome ResumeFailed) or that ended on
// a protocol error. The server may or may not have handled them; the caller
// decides which to send again (chat messages once, with their ids, so that
// the peer and the archive can deduplicate). Each call empties the list.
func (st *State) Pending() [][]byte {
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.pending
	st.pending = nil
	return p
}

// Reset forgets the session: the next connection binds a fresh resource.
// Call it after a deliberate logout (a closed stream ends the session on
// the server too). Unacknowledged stanzas move to Pending.
func (st *State) Reset() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.forgetLocked()
	st.outcome = Fresh
}

// forgetLocked ends the stream-management session, moving what was not
// acknowledged to pending.
func (st *State) forgetLocked() {
	for _, it := range st.queue {
		st.pending = append(st.pending, it.bytes())
	}
	st.queue, st.qBytes = nil, 0
	st.enabled, st.resumable, st.session = false, false, false
	st.id, st.location, st.max = "", "", 0
	st.inH, st.outH, st.acked = 0, 0, 0
	st.reqOut = false
	st.pace.owe = false
}

// hadSessionLocked reports whether an earlier stream-management session exists
// whose stanzas or counters matter.
func (st *State) hadSessionLocked() bool {
	return st.session || len(st.queue) > 0
}

// ackLocked processes an acknowledgement h from the server: it drops the
// acknowledged stanzas from the queue. An h above what was sent is a
// HandledError and changes nothing. Counting is modulo 2^32.
func (st *State) ackLocked(h uint32) error {
	newly := h - st.acked
	sent := st.outH - st.acked
	if newly > sent {
		return &HandledError{H: h, Sent: st.outH}
	}
	n, before := 0, st.qBytes
	defer func() { st.freed += before - st.qBytes }()
	for n < len(st.queue) && st.queue[n].seq-st.acked <= newly {
		st.qBytes -= st.queue[n].size()
		st.queue[n] = item{}
		n++
	}
	st.queue = st.queue[n:]
	if len(st.queue) == 0 {
		st.queue = nil
	}
	st.acked = h
	return nil
}

// enqueueLocked counts one outbound stanza and keeps a copy of it (data is
// not retained); it returns stanzas dropped to respect the bounds, which
// count the bytes of each stanza, shared or not.
func (st *State) enqueueLocked(data []byte) (dropped [][]byte) {
	st.outH++
	it := item{seq: st.outH}
	if n := len(st.queue); n > 0 {
		it.head, it.tail = sharedTail(st.queue[n-1], data)
	} else {
		it.head = bytes.Clone(data)
	}
	st.queue = append(st.queue, it)
	st.qBytes += len(data)
	for len(st.queue) > 1 && (len(st.queue) > st.opts.MaxStanzas || st.qBytes > st.opts.MaxBytes) {
		dropped = append(dropped, st.queue[0].bytes())
		st.qBytes -= st.queue[0].size()
		st.queue[0] = item{}
		st.queue = st.queue[1:]
		st.stats.Dropped++
	}
	return dropped
}
