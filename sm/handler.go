package sm

import (
	"context"
	"encoding/xml"
	"strconv"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/stream"
)

// Handler returns the handler to give to Session.Serve: it handles the
// urn:xmpp:sm:3 elements the server sends while the session runs (<r/> is
// answered with <a h='…'/>; <a h='…'/> drops acknowledged stanzas from the
// queue) and passes every other element to next (which may be nil).
//
// Stanza counting does not depend on next: inbound stanzas are counted on
// the wrapped connection, including IQ results mellium consumes itself.
//
// An <a/> acknowledging more than was sent makes the handler return a
// stream error (undefined-condition with <handled-count-too-high/>, as
// XEP-0198 asks): Serve sends it, closes the stream and returns it. The
// session is then forgotten: the next connection binds afresh and its
// Outcome is ResumeFailed, with the unacknowledged stanzas in Pending.
func (st *State) Handler(next xmpp.Handler) xmpp.Handler {
	return xmpp.HandlerFunc(func(t xmlstream.TokenReadEncoder, start *xml.StartElement) error {
		if start.Name.Space != NS {
			if next == nil {
				return nil
			}
			return next.HandleXMPP(t, start)
		}
		switch start.Name.Local {
		case "r":
			st.requested() // answered now or soon (pace.go)
			return nil
		case "a":
			return st.handleAck(start)
		}
		// <enabled/>, <resumed/> or <failed/> outside negotiation: nothing to do.
		return nil
	})
}

// handleAck processes <a h='…'/>. If stanzas were sent after the request
// it answers, it asks again.
func (st *State) handleAck(start *xml.StartElement) error {
	raw := ""
	for _, a := range start.Attr {
		if a.Name.Local == "h" && a.Name.Space == "" {
			raw = a.Value
		}
	}
	st.mu.Lock()
	st.stats.Answers++
	var err error
	if v, ok := parseH(raw); ok {
		err = st.ackLocked(v)
	} else {
		if len(raw) > 32 {
			raw = raw[:32]
		}
		err = &HandledError{Sent: st.outH, Raw: raw}
	}
	if err != nil {
		st.lastErr = err
		sent := st.outH
		st.forgetLocked()
		c := st.cur
		st.mu.Unlock()
		h := "0"
		if he, ok := err.(*HandledError); ok && he.Raw == "" {
			h = strconv.FormatUint(uint64(he.H), 10)
		}
		// mellium v0.22.0's Serve encodes the returned stream error into its
		// buffer but writes </stream:stream> past it without flushing, so the
		// error would never reach the server: write it here, between
		// top-level elements, and return it so that Serve closes the stream.
		if c != nil {
			c.writeAtBoundary([]byte(`<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>` +
				`<handled-count-too-high xmlns='` + NS + `' h='` + h + `' send-count='` + strconv.FormatUint(uint64(sent), 10) + `'/></stream:error>`))
		}
		return stream.UndefinedCondition
	}
	again := st.enabled && st.reqOut && st.outH != st.reqAt && st.outH != st.acked
	st.reqOut = false
	c := st.cur
	freed := st.freed
	st.freed = 0
	st.mu.Unlock()
	if f := st.opts.OnAcked; f != nil && freed > 0 {
		f(freed)
	}
	if again && c != nil {
		c.writeRequest() // now or, within ackPace of the last, by a timer (pace.go)
	}
	return nil
}

// RequestAck sends <r/> on s, asking the server how many of our stanzas it
// has handled; the <a/> it answers arrives through Handler. Usable as a
// cheap keepalive probe. It must not be called from inside a handler (use
// the handler's writer there).
func (st *State) RequestAck(ctx context.Context, s *xmpp.Session) error {
	st.mu.Lock()
	if !st.enabled {
		st.mu.Unlock()
		return ErrNotEnabled
	}
	st.reqOut, st.reqAt = true, st.outH
	st.stats.Requests++
	st.pace.lastReq = time.Now()
	st.mu.Unlock()
	return s.Send(ctx, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: NS, Local: "r"}}))
}
