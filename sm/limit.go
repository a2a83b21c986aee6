package sm

// This file holds the limits on what the server may make the client read:
// the inbound tracker measures each top-level element byte by byte, before
// the XML decoder holds any of it, and the wrapped connection refuses one
// past a limit.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"

	"mellium.im/xmpp/stream"
)

// Limits of the inbound stream. A connection wrapped by State.Wrap refuses
// a top-level element (a stanza, a nonza, a stream error) past one of them
// while reading it: the read fails with a *LimitError, nothing of the
// element beyond the limit is read or held, and the connection is given
// up like any failed read (nothing more is written on it).
const (
	// MaxStanzaSize is the largest top-level element read, in bytes, and
	// the longest run of bytes (a text, a tag, the space between elements)
	// in any element, even one allowed to be larger (State.AllowLarge).
	// Prosody and ejabberd take stanzas of up to 256 KiB from a client and
	// 512 KiB from another server; parley reads twice the larger, so that
	// anything a server relays fits even wrapped in a carbon or an archive
	// result. The decoder holds at most this much of one token.
	MaxStanzaSize = 1 << 20
	// MaxDepth is the deepest nesting read inside a top-level element (the
	// element itself is level 1). A forwarded message in an archive result
	// with rich text is a dozen levels deep; the decoder keeps a frame per
	// open level.
	MaxDepth = 64
)

// maxHead bounds the first bytes of a top-level element the tracker keeps:
// enough for the start tag of an IQ reply and for the condition and the
// beginning of the text of a stream error.
const maxHead = 4 << 10

// LimitError is the error of a read that met a top-level element past a
// limit (MaxStanzaSize, MaxDepth or an AllowLarge limit).
type LimitError struct {
	Element string // its name as written ("message", "iq"); "" for bytes between elements
	Limit   int    // the limit passed: bytes, or levels with Depth
	Depth   bool   // nesting, not size
}

// Error names the element and the limit.
func (e *LimitError) Error() string {
	what := "text between stanzas"
	if e.Element != "" {
		what = "a <" + printable(e.Element) + "/>"
	}
	if e.Depth {
		return fmt.Sprintf("sm: refused %s nested deeper than %d levels", what, e.Limit)
	}
	return fmt.Sprintf("sm: refused %s too large to read (over %d KiB)", what, e.Limit>>10)
}

// printable keeps the ASCII letters, digits and punctuation of a name the
// server wrote (the tracker keeps at most maxName bytes of it).
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7f {
			return r
		}
		return -1
	}, s)
}

// allowances are the IQ replies that may be larger than MaxStanzaSize, by
// the id of the request.
type allowances struct {
	n  atomic.Int32 // len(ids): zero costs nothing per element
	mu sync.Mutex
	id map[string]int
}

// AllowLarge lets the reply (result or error) to the IQ with the given id
// be up to limit bytes instead of MaxStanzaSize, for replies the caller
// reads in parts as they stream (a roster, not a message). Each run of
// bytes in it is still bounded by MaxStanzaSize and its nesting by
// MaxDepth. The returned function withdraws the allowance; call it when the
// reply was read or the request abandoned. The id must be one the server
// cannot guess: anyone who can make the server send a reply with it gets
// the larger limit.
func (st *State) AllowLarge(id string, limit int) (withdraw func()) {
	a := &st.allow
	a.mu.Lock()
	if a.id == nil {
		a.id = make(map[string]int)
	}
	a.id[id] = limit
	a.n.Store(int32(len(a.id)))
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		delete(a.id, id)
		a.n.Store(int32(len(a.id)))
		a.mu.Unlock()
	}
}

// lookup returns the limit allowed for the top-level element whose first
// bytes are head, 0 for none.
func (a *allowances) lookup(head []byte) int {
	if a.n.Load() == 0 {
		return 0
	}
	tok, err := xml.NewDecoder(bytes.NewReader(head)).RawToken()
	start, ok := tok.(xml.StartElement)
	if err != nil || !ok || start.Name.Local != "iq" {
		return 0
	}
	var id, typ string
	for _, at := range start.Attr {
		switch at.Name.Local {
		case "id":
			id = at.Value
		case "type":
			typ = at.Value
		}
	}
	if typ != "result" && typ != "error" {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.id[id]
}

// overLimit is called when the inbound tracker passed a limit: it applies
// an allowance the element has, or refuses it. A refused stanza is counted
// as handled, so that a resumed session does not bring it back; a refused
// stream error is the error of the read (its condition and the text that
// fit are what the server meant).
// done is the element the byte that passed the limit completed, if any.
func (c *conn) overLimit(done element, ok bool) error {
	t := &c.in
	deep := t.depth > MaxDepth+1
	if t.size > t.limit && !t.checked && t.run <= MaxStanzaSize && !deep {
		t.checked = true
		if n := c.st.allow.lookup(t.head); n > t.limit {
			t.limit = n
			if t.size <= n {
				return nil
			}
		}
	}
	err := t.limitError(done, ok)
	if le, isLimit := err.(*LimitError); isLimit && isStanzaName(le.Element) {
		st := c.st
		st.mu.Lock()
		if c.inOn && st.cur == c {
			st.inH++
		}
		st.mu.Unlock()
	}
	return err
}

// limitError is the error for the element the tracker is in (or just
// completed, done) when it passed a limit.
func (t *tracker) limitError(done element, ok bool) error {
	deep := t.depth > MaxDepth+1
	name := ""
	switch {
	case ok:
		name = done.name
	case t.top:
		name = t.topName
		if name == "" {
			name = t.nameString() // still in its start tag
		}
	}
	if isStreamError(name) {
		return streamError(t.head)
	}
	switch {
	case deep:
		return &LimitError{Element: name, Limit: MaxDepth, Depth: true}
	case t.run > MaxStanzaSize:
		return &LimitError{Element: name, Limit: MaxStanzaSize}
	}
	return &LimitError{Element: name, Limit: t.limit}
}

// isStreamError reports whether a top-level element name is a stream error.
func isStreamError(name string) bool {
	i := strings.IndexByte(name, ':')
	return i > 0 && name[i+1:] == "error"
}

// maxErrorText bounds the text of a stream error kept.
const maxErrorText = 1 << 10

// streamError reads the condition and text of a stream error from its
// first bytes (all of it, or what fit in maxHead): a condition is any child
// other than <text/>, the first <text/> its explanation.
func streamError(head []byte) stream.Error {
	d := xml.NewDecoder(bytes.NewReader(head))
	e := stream.Error{Err: "undefined-condition"}
	found := false
	var text strings.Builder
	inText, textDone, depth := false, false, 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 2 && tok.Name.Local == "text" && !textDone:
				inText = true
			case depth == 2 && tok.Name.Local != "text" && !found:
				if cond := printable(clipName(tok.Name.Local)); cond != "" {
					e.Err, found = cond, true
				}
			}
		case xml.EndElement:
			if depth == 2 && inText {
				inText, textDone = false, true
			}
			depth--
		case xml.CharData:
			if inText && depth == 2 && text.Len() < maxErrorText {
				text.Write(tok[:min(len(tok), maxErrorText-text.Len())])
			}
		}
	}
	if text.Len() > 0 {
		e.Text = append(e.Text, struct {
			Lang  string
			Value string
		}{Value: strings.ToValidUTF8(text.String(), "")})
	}
	return e
}

// Limit returns c with the limits of the inbound stream (MaxStanzaSize,
// MaxDepth), for the plaintext stream before STARTTLS, which Wrap does not
// see: the connection to hand to xmpp.NewClientSession beside StartTLS.
// After the server's <proceed/> it passes every byte through untouched
// (they are TLS; the limits go on above TLS, in the connection Wrap
// returns).
func Limit(c net.Conn) net.Conn {
	l := &limited{Conn: c}
	l.in.limits = true
	return l
}

// limited is the connection Limit returns.
type limited struct {
	net.Conn
	in      tracker
	off     bool  // after <proceed/>
	refused error // sticky
}

// Read implements io.Reader.
func (l *limited) Read(p []byte) (int, error) {
	if l.refused != nil {
		return 0, l.refused
	}
	n, err := l.Conn.Read(p)
	if l.off {
		return n, err
	}
	t := &l.in
	for i, b := range p[:max(n, 0)] {
		e, ok := t.feed(b)
		if t.size > t.limit || t.run > MaxStanzaSize || t.depth > MaxDepth+1 {
			l.refused = t.limitError(e, ok)
			return i, l.refused
		}
		if ok && (e.name == "proceed" || strings.HasSuffix(e.name, ":proceed")) {
			l.off = true // the rest is TLS
			break
		}
	}
	return n, err
}

func clipName(s string) string {
	if len(s) > maxName {
		return s[:maxName]
	}
	return s
}
