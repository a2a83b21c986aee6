package sm

import (
	"bytes"
	"encoding/xml"
	"io"
	"sync/atomic"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/stanza"

	"parley/internal/xmltok"
)

// This file holds the fast path for inbound messages: a <message/> stanza
// that lies whole in the read buffer, between top-level elements, is read
// by package xmltok and handed to the session's handler directly, instead
// of byte by byte through mellium's encoding/xml decoder (which then never
// sees it). Everything else takes the ordinary path: a stanza cut by the
// buffer's end, any other element, and any message using XML outside
// xmltok's subset (which encoding/xml also judges for errors).
//
// The bytes still go through the inbound tracker first, so stream
// management counts the stanza, the limits apply and a Tap sees it exactly
// as on the ordinary path. The handler runs on the goroutine reading the
// session, inside Serve, as mellium would run it.

// fastPath is what a connection needs to hand messages to a handler.
type fastPath struct {
	sess *xmpp.Session
	h    xmpp.Handler
	ns   string // the stream's default namespace (jabber:client)
	bare string // the account's bare JID: a from equal to it is blanked, as mellium does
}

// fastHolder holds a connection's fast path, set once Serve is about to run.
type fastHolder struct {
	p atomic.Pointer[fastPath]
	n atomic.Int64 // messages handed over the fast path (tests)
}

// FastPath makes the current connection (the one last wrapped) hand whole
// <message/> stanzas to h directly, read by package xmltok, as Serve would
// hand them after reading them with encoding/xml. Call it with the handler
// given to sess.Serve, before Serve starts.
func (st *State) FastPath(sess *xmpp.Session, h xmpp.Handler) {
	st.mu.Lock()
	c := st.cur
	st.mu.Unlock()
	if c == nil || h == nil {
		return
	}
	c.fast.p.Store(&fastPath{sess: sess, h: h, ns: sess.In().XMLNS, bare: sess.LocalAddr().Bare().String()})
}

var messageTag = []byte("<message")

// What lets divert skip the tracker: an element in the read buffer is
// under MaxStanzaSize, and xmltok's depth bound is within MaxDepth.
const (
	_ uint = MaxStanzaSize - readBufSize
	_ uint = MaxDepth - xmltok.MaxDepth
)

// countIn counts one inbound stanza.
func (c *conn) countIn() {
	st := c.st
	st.mu.Lock()
	if c.inOn && st.cur == c {
		st.inH++
	}
	st.mu.Unlock()
}

// divert handles the message at the start of the read buffer through the
// fast path, if it is one it can read. It reports whether it did; an error
// is the tracker's (a limit) or the handler's.
func (c *conn) divert(f *fastPath) (bool, error) {
	data := c.rbuf[c.rpos:c.rend]
	if len(data) <= len(messageTag) || !bytes.HasPrefix(data, messageTag) {
		return false, nil
	}
	if b := data[len(messageTag)]; b != ' ' && b != '>' && b != '/' && b != '\t' && b != '\n' {
		return false, nil
	}
	toks, n, ok := xmltok.Element(data, f.ns)
	for !ok && c.rpos > 0 && c.pending == nil && xmltok.Incomplete(data) {
		// The message runs past the buffered bytes: move it to the front
		// and read the rest behind it (the decoder would wait for it too).
		// A read error waits until the bytes before it are consumed.
		m := copy(c.rbuf, data)
		k, err := c.Conn.Read(c.rbuf[m:])
		c.rpos, c.rend = 0, m+max(k, 0)
		if err != nil || k <= 0 {
			c.pending = err
			if err == nil {
				c.pending = io.ErrNoProgress
			}
		}
		data = c.rbuf[:c.rend]
		toks, n, ok = xmltok.Element(data, f.ns)
	}
	if !ok {
		return false, nil
	}
	if c.st.tapFor(c) != nil {
		// The Tap gets the element's bytes from the tracker.
		for i, b := range data[:n] {
			if err := c.inbound(b); err != nil {
				c.rpos += i + 1
				return false, err
			}
		}
	} else {
		// The element is whole and well formed (xmltok read it) and under
		// every limit (it fits the read buffer, and xmltok follows no
		// deeper than MaxDepth): the tracker would end where it starts,
		// between top-level elements, having counted one stanza.
		c.countIn()
	}
	c.rpos += n
	c.fast.n.Add(1)
	start := toks[0].(xml.StartElement)
	if stanza.Is(start.Name, f.ns) {
		for i, a := range start.Attr {
			if a.Name.Local == "from" {
				if a.Value == f.bare {
					start.Attr[i].Value = ""
				}
				break
			}
		}
	}
	rw := &fastRW{toks: toks[1:], w: lazyWriter{s: f.sess}}
	err := f.h.HandleXMPP(rw, &start)
	if ferr := rw.w.Flush(); err == nil {
		err = ferr
	}
	if cerr := rw.w.Close(); err == nil {
		err = cerr
	}
	return true, err
}

// fastRW is what the handler gets: the stanza's tokens after its start,
// its end element included (as mellium's InnerElement gives them), and a
// writer to the session.
type fastRW struct {
	toks []xml.Token
	w    lazyWriter
}

// Token implements xml.TokenReader.
func (r *fastRW) Token() (xml.Token, error) {
	if len(r.toks) == 0 {
		return nil, io.EOF
	}
	t := r.toks[0]
	r.toks = r.toks[1:]
	return t, nil
}

// EncodeToken implements xmlstream.TokenWriter.
func (r *fastRW) EncodeToken(t xml.Token) error { return r.w.EncodeToken(t) }

// Encode implements xmlstream.Encoder.
func (r *fastRW) Encode(v interface{}) error { return r.encode(v, nil) }

// EncodeElement implements xmlstream.Encoder.
func (r *fastRW) EncodeElement(v interface{}, start xml.StartElement) error {
	return r.encode(v, &start)
}

func (r *fastRW) encode(v interface{}, start *xml.StartElement) error {
	var buf bytes.Buffer
	e := xml.NewEncoder(&buf)
	var err error
	if start != nil {
		err = e.EncodeElement(v, *start)
	} else {
		err = e.Encode(v)
	}
	if err != nil {
		return err
	}
	if _, err := xmlstream.Copy(&r.w, xml.NewDecoder(&buf)); err != nil {
		return err
	}
	return nil
}

// lazyWriter takes the session's output lock at its first token, as
// mellium's writer for handlers does.
type lazyWriter struct {
	s *xmpp.Session
	w xmlstream.TokenWriteFlushCloser
}

// EncodeToken implements xmlstream.TokenWriter.
func (w *lazyWriter) EncodeToken(t xml.Token) error {
	if w.w == nil {
		w.w = w.s.TokenWriter()
	}
	return w.w.EncodeToken(t)
}

// Flush flushes what was written.
func (w *lazyWriter) Flush() error {
	if w.w == nil {
		return nil
	}
	return w.w.Flush()
}

// Close releases the output lock.
func (w *lazyWriter) Close() error {
	if w.w == nil {
		return nil
	}
	err := w.w.Close()
	w.w = nil
	return err
}
