package account

import (
	"context"
	"encoding/xml"
	"io"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
)

// Namespaces of message carbons (XEP-0280), forwarding (XEP-0297), the
// archive (XEP-0313) and receipts (XEP-0184).
const (
	nsCarbons  = "urn:xmpp:carbons:2"
	nsForward  = "urn:xmpp:forward:0"
	nsMAM      = "urn:xmpp:mam:2"
	nsRSM      = "http://jabber.org/protocol/rsm"
	nsReceipts = "urn:xmpp:receipts"
	nsDataForm = "jabber:x:data"
)

// msgExt is what the handler needs from a message beyond the Message itself:
// a carbon or archive-result wrapper with the forwarded message inside it,
// and receipt requests and answers. It is filled by parseMessage for the
// top-level stanza only (a forwarded message is parsed without it, so
// wrappers do not nest).
type msgExt struct {
	carbon     string   // "sent" or "received" for a XEP-0280 wrapper
	mamQueryID string   // queryid of a XEP-0313 <result/>
	mamID      string   // archive id of the result
	inner      *Message // the forwarded message, when it could be read
	fwdTime    time.Time
	receiptReq bool   // <request xmlns='urn:xmpp:receipts'/>
	receiptOf  string // id of <received xmlns='urn:xmpp:receipts'/>
}

// child reads one child element of a message whose start se was just
// consumed; it always consumes the whole element.
func (x *msgExt) child(se xml.StartElement, b *tokenBudget, pc ParseContext) error {
	switch {
	case se.Name.Space == nsCarbons && (se.Name.Local == "sent" || se.Name.Local == "received"):
		if x.carbon != "" || x.mamQueryID != "" {
			return b.skip()
		}
		x.carbon = se.Name.Local
		return x.forwarded(b, pc)
	case se.Name.Space == nsMAM && se.Name.Local == "result":
		if x.carbon != "" || x.mamQueryID != "" || attr(se, "queryid") == "" {
			return b.skip()
		}
		x.mamQueryID, x.mamID = clip(attr(se, "queryid"), maxShort), clip(attr(se, "id"), maxShort)
		return x.forwarded(b, pc)
	case se.Name.Space == nsReceipts && se.Name.Local == "request":
		x.receiptReq = true
	case se.Name.Space == nsReceipts && se.Name.Local == "received":
		if x.receiptOf == "" {
			x.receiptOf = clip(attr(se, "id"), maxShort)
		}
	}
	return b.skip()
}

// forwarded reads the children of a wrapper (<sent/>, <received/>,
// <result/>) looking for <forwarded/> with a <delay/> and a <message/>.
func (x *msgExt) forwarded(b *tokenBudget, pc ParseContext) error {
	level := b.depth
	for b.depth >= level {
		tok, err := b.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case b.depth == level+1 && se.Name.Space == nsForward && se.Name.Local == "forwarded":
			// Its children are read by the loop at the next depth.
		case b.depth == level+2 && se.Name.Space == nsDelay && se.Name.Local == "delay":
			if t, err := time.Parse(time.RFC3339Nano, attr(se, "stamp")); err == nil && x.fwdTime.IsZero() {
				x.fwdTime = t.UTC()
			}
			if err := b.skip(); err != nil {
				return err
			}
		case b.depth == level+2 && se.Name.Local == "message" && (se.Name.Space == nsClient || se.Name.Space == "") && x.inner == nil:
			sub := &tokenBudget{r: budgetReader{b}}
			m, err := parseMessage(se, sub, pc, nil)
			if err != nil {
				if sub.depth >= 0 {
					// The inner message was not read to its end: drain it
					// through the outer budget, which keeps the depth.
					if err := sub.drain(); err != nil {
						return err
					}
				}
				continue
			}
			if sub.depth >= 0 {
				if err := sub.drain(); err != nil {
					return err
				}
			}
			x.inner = &m
		default:
			if err := b.skip(); err != nil {
				return err
			}
		}
	}
	return nil
}

// budgetReader reads through a tokenBudget so that a nested parse counts
// against (and keeps the depth of) the outer stanza's budget.
type budgetReader struct{ b *tokenBudget }

// Token implements xml.TokenReader.
func (r budgetReader) Token() (xml.Token, error) { return r.b.next() }

// carbon turns a carbon wrapper into the message it carries, or reports why
// it is dropped. A carbon is accepted only from the account's own bare JID
// (the server on its behalf): anyone else could forge "sent" copies to put
// words in our mouth. A sent copy must be from the account and becomes Dir
// Out; a received copy must be to the account.
func (a *Account) carbon(outer Message, x *msgExt) (Message, string) {
	if !outer.From.Equal(a.bare) {
		return Message{}, "dropped a forged carbon copy from " + clip(outer.From.String(), maxShort)
	}
	if x.inner == nil {
		return Message{}, "dropped an unreadable carbon copy"
	}
	m := *x.inner
	m.Carbon = true
	if x.carbon == "sent" {
		if !m.From.Bare().Equal(a.bare) {
			return Message{}, "dropped a sent carbon copy not from this account"
		}
		m.Dir = Out
	} else if !m.To.Bare().Equal(a.bare) {
		return Message{}, "dropped a received carbon copy not addressed to this account"
	}
	return m, ""
}

// enableCarbons asks the server for carbon copies (XEP-0280) of the
// messages our other clients send and receive. It runs at every fresh login
// (a resumed stream keeps it); a refusal is reported on the console and is
// not fatal.
func (a *Account) enableCarbons(ctx context.Context, sess *xmpp.Session) {
	iq := xmlstream.Wrap(
		xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsCarbons, Local: "enable"}}),
		xml.StartElement{
			Name: xml.Name{Space: nsClient, Local: "iq"},
			Attr: []xml.Attr{{Name: xml.Name{Local: "type"}, Value: "set"}, {Name: xml.Name{Local: "id"}, Value: newID()}},
		},
	)
	if err := sendIQ(ctx, sess, iq, nil); err != nil && ctx.Err() == nil {
		a.emit(InfoEvent{Base: a.base(), Error: true, Text: "message carbons not enabled: " + oneLine(err.Error())})
	}
}

// extensions handles what wraps or rides on a message before the handler
// routes it: an archive result is filed with its query (ok false); a carbon
// is checked and unwrapped into the message it carries (ok false when it is
// dropped); a receipt answer becomes a DeliveryEvent; a receipt request is
// answered through w.
func (h *handler) extensions(m Message, x *msgExt, w xmlstream.TokenWriter) (Message, bool) {
	a := h.a
	switch {
	case x.mamQueryID != "":
		a.archiveResult(m, x)
		return Message{}, false
	case x.carbon != "":
		inner, why := a.carbon(m, x)
		if why != "" {
			a.emit(InfoEvent{Base: a.base(), Error: true, Text: why})
			return Message{}, false
		}
		if inner.Type == "groupchat" {
			return Message{}, false // rooms send us their messages themselves
		}
		return inner, true
	}
	if x.receiptOf != "" && m.Type != "groupchat" && m.Type != "error" {
		if ev, ok := a.receiptFor(x.receiptOf, m.From); ok {
			a.emit(ev)
		}
	}
	if a.wantsReceipt(m, x.receiptReq) {
		_, _ = xmlstream.Copy(w, receiptStanza(m.From, m.ID))
	}
	return m, true
}
