package account

import (
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/blocking"
	"parley/caps"
	"parley/msg"
	"parley/muc"
	"parley/payload"
)

// Namespaces of the IQs the handler answers.
const (
	nsPing      = "urn:xmpp:ping"
	nsDiscoInfo = "http://jabber.org/protocol/disco#info"
)

// handler is the single stanza handler of a session. Serve calls it with the
// input lock held, once per top-level element: it must never wait for an IQ
// reply, and it returns only nil (a plain error would end the session) or
// the error of a broken write.
type handler struct {
	a   *Account
	now func() time.Time // nil: time.Now
}

var _ xmpp.Handler = (*handler)(nil)

// HandleXMPP implements xmpp.Handler.
func (h *handler) HandleXMPP(t xmlstream.TokenReadEncoder, start *xml.StartElement) error {
	if start.Name.Space != nsClient && start.Name.Space != "" {
		return nil // nonzas: stream management will route these
	}
	switch start.Name.Local {
	case "message":
		h.message(*start, t, t)
	case "presence":
		h.presence(*start, t)
	case "iq":
		return h.iq(*start, t)
	}
	return nil
}

func (h *handler) clock() time.Time {
	if h.now != nil {
		return h.now()
	}
	return time.Now()
}

func (h *handler) message(start xml.StartElement, r xml.TokenReader, w xmlstream.TokenWriter) {
	a := h.a
	if h.roomMessage(start, &r) { // group chat, invitations, bookmark pushes (rooms.go)
		return
	}
	now := h.clock()
	pm, err := a.parse(start, r, now)
	if err != nil {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "dropped an unreadable message from " + clip(attr(start, "from"), maxShort) + ": " + err.Error()})
		return
	}
	m, state, ok := h.extensions(&pm, a.parseContext(now), w) // carbons, archive results, receipts (carbons.go)
	if !ok || m.Type == "groupchat" {
		return // group chat is wired in by the MUC layer
	}
	a.deliverChat(m, state)
}

// deliverChat emits a 1:1 message (live or a carbon): a MessageEvent when
// it has a body, an error, or a reference (see Message.hasRef), and a
// ChatStateEvent when it carries a chat state. Only a room may moderate:
// a moderation in a 1:1 message is dropped.
func (a *Account) deliverChat(m Message, state msg.ChatState) {
	m.Moderation = nil
	switch {
	case m.Type == "error":
		if m.Err == "" {
			m.Err = "unknown error"
		}
		a.emit(MessageEvent{Base: a.base(), Msg: m})
		return
	case m.Body != "" || m.hasRef():
		a.emit(MessageEvent{Base: a.base(), Msg: m})
	}
	if state != msg.NoState {
		a.emit(ChatStateEvent{Base: a.base(), Peer: m.Peer(), From: m.From, Nick: m.Nick, State: state, Carbon: m.Carbon})
	}
}

func (h *handler) presence(start xml.StartElement, r xml.TokenReader) {
	a := h.a
	if h.roomPresence(start, r) { // presence from a room we are in (rooms.go)
		return
	}
	if h.strangerPresence(start, r) { // neither a contact nor ourselves (strangers.go)
		return
	}
	p, sub, err := parsePresenceCached(start, r, a.bare, &a.jids)
	switch {
	case err != nil:
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "dropped an unreadable presence from " + clip(attr(start, "from"), maxShort) + ": " + err.Error()})
	case p != nil:
		a.noteCaps(p.From, p.Caps, p.Available) // XEP-0115: fetched and cached off the handler (caps.go)
		a.emit(*p)
	case sub != nil:
		a.subscription(*sub) // requests from contacts already allowed are answered (subscribe.go)
	}
}

// iq answers IQ requests: roster pushes, pings and disco#info; every other
// get or set gets service-unavailable. Results and errors that reach the
// handler (late replies) are dropped.
func (h *handler) iq(start xml.StartElement, t xmlstream.TokenReadEncoder) error {
	typ := attr(start, "type")
	if typ != "get" && typ != "set" {
		return nil
	}
	b := &tokenBudget{r: t}
	var payload xml.StartElement
	for {
		tok, err := b.next()
		if err != nil {
			if errors.Is(err, errTooLarge) {
				if err := b.drain(); err != nil {
					return nil
				}
			}
			break
		}
		if se, ok := tok.(xml.StartElement); ok && b.depth == 1 {
			payload = se
			break
		}
	}
	switch {
	case typ == "set" && payload.Name == xml.Name{Space: nsRoster, Local: "query"}:
		return h.rosterPush(start, payload, b, t)
	case typ == "set" && payload.Name.Space == blocking.NS:
		return h.blockPush(start, payload, b, t) // XEP-0191 (blocking.go)
	case typ == "get" && payload.Name == xml.Name{Space: nsPing, Local: "ping"}:
		return writeIQ(t, start, "result", nil)
	case typ == "get" && payload.Name.Space != nsDiscoInfo:
		if ok, err := h.entityAnswer(start, payload, t); ok { // version, time, last activity (entity.go)
			return err
		}
	case typ == "get" && payload.Name == xml.Name{Space: nsDiscoInfo, Local: "query"}:
		node := attr(payload, "node")
		if node != "" && node != CapsNode+"#"+h.a.capsVer {
			return writeIQ(t, start, "error", stanzaError("cancel", "item-not-found"))
		}
		return writeIQ(t, start, "result", h.a.answer.Query(node))
	}
	return writeIQ(t, start, "error", stanzaError("cancel", "service-unavailable"))
}

// rosterPush applies a roster push, accepted only from the server on behalf
// of the account (no from, or the account's bare JID); anything else could
// be a contact trying to rewrite our roster.
func (h *handler) rosterPush(start, query xml.StartElement, b *tokenBudget, t xmlstream.TokenReadEncoder) error {
	a := h.a
	if from := attr(start, "from"); from != "" {
		j, err := jid.Parse(from)
		if err != nil || !j.Equal(a.bare) {
			a.emit(InfoEvent{Base: a.base(), Error: true, Text: "ignored a roster push from " + clip(from, maxShort)})
			return writeIQ(t, start, "error", stanzaError("cancel", "service-unavailable"))
		}
	}
	items, err := parseRosterQuery(b)
	if err != nil || len(items) != 1 {
		// RFC 6121 §2.1.6: a push carries exactly one item.
		return writeIQ(t, start, "error", stanzaError("modify", "bad-request"))
	}
	if err := writeIQ(t, start, "result", nil); err != nil {
		return err
	}
	a.rosterPushed(clip(attr(query, "ver"), maxShort), items[0])
	a.emit(RosterEvent{Base: a.base(), Items: items})
	return nil
}

// writeIQ answers the IQ start with a result or error carrying payload.
func writeIQ(w xmlstream.TokenWriter, req xml.StartElement, typ string, payload xml.TokenReader) error {
	attrs := []xml.Attr{
		{Name: xml.Name{Local: "type"}, Value: typ},
		{Name: xml.Name{Local: "id"}, Value: attr(req, "id")},
	}
	if from := attr(req, "from"); from != "" {
		attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "to"}, Value: from})
	}
	_, err := xmlstream.Copy(w, xmlstream.Wrap(payload, xml.StartElement{Name: xml.Name{Space: nsClient, Local: "iq"}, Attr: attrs}))
	return writeErr(err)
}

// writeErr keeps the handler from ending the session with a plain error:
// only a broken stream (which ends the session anyway) is passed on.
func writeErr(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

func stanzaError(typ, cond string) xml.TokenReader {
	return xmlstream.Wrap(
		xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: "urn:ietf:params:xml:ns:xmpp-stanzas", Local: cond}}),
		xml.StartElement{Name: xml.Name{Local: "error"}, Attr: []xml.Attr{{Name: xml.Name{Local: "type"}, Value: typ}}},
	)
}

// ownFeatures are the disco#info features the account implements itself,
// beyond the message payloads of its registry.
var ownFeatures = [...]string{
	nsDiscoInfo,
	nsPing,
	muc.NSConference, // XEP-0249 direct invitations
	caps.NS,          // XEP-0115
}

// discoFeatures is what the account announces: the features of the payload
// registry's parsers (receipts, stanza-ids, chat states, ...) and the
// account's own, sorted, each once.
func discoFeatures(reg *payload.Registry, more ...string) []string {
	fs := append(append(reg.Features(), ownFeatures[:]...), more...)
	slices.Sort(fs)
	return slices.Compact(fs)
}
