package payload

import (
	"encoding/xml"
	"strconv"
	"strings"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"parley/msg"
)

// The builders return the tokens of one outgoing payload, to be put inside
// a <message/> (stanza.Message.Wrap with xmlstream.MultiReader). They never
// fail: what they are given was chosen by parley, not by the network.

func elem(space, local string, inner xml.TokenReader, attrs ...string) xml.TokenReader {
	start := xml.StartElement{Name: xml.Name{Space: space, Local: local}}
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] != "" {
			start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: attrs[i]}, Value: attrs[i+1]})
		}
	}
	return xmlstream.Wrap(inner, start)
}

func text(s string) xml.TokenReader { return xmlstream.Token(xml.CharData(s)) }

// Body is a <body/> with text s.
func Body(s string) xml.TokenReader { return elem("", "body", text(s)) }

// OriginID is a XEP-0359 <origin-id/>.
func OriginID(id string) xml.TokenReader { return elem(NSSID, "origin-id", nil, "id", id) }

// Correction marks the message as the new text of our message id (XEP-0308).
func Correction(id string) xml.TokenReader { return elem(NSCorrect, "replace", nil, "id", id) }

// Reply marks the message as an answer to r (XEP-0461): r.ID is the answered
// message's stanza-id in a room, its id in 1:1; r.To its author.
func Reply(r msg.Reply) xml.TokenReader {
	return elem(NSReply, "reply", nil, "to", r.To.String(), "id", r.ID)
}

// Fallback is a XEP-0428 <fallback/> for f.For with f's body ranges (a
// Range ending at msg.WholeBody, or none, marks the whole body).
func Fallback(f msg.Fallback) xml.TokenReader {
	var parts []xml.TokenReader
	for _, r := range f.Body {
		if r.Start == 0 && r.End == msg.WholeBody {
			parts = append(parts, elem(NSFallback, "body", nil))
			continue
		}
		parts = append(parts, elem(NSFallback, "body", nil, "start", strconv.Itoa(r.Start), "end", strconv.Itoa(r.End)))
	}
	return elem(NSFallback, "fallback", xmlstream.MultiReader(parts...), "for", f.For)
}

// QuoteFallback builds the body of a reply that quotes author's text the way
// older clients show it ("> author: first line" and "> " before each further
// line), followed by answer, and the fallback that marks the quote. The
// quote is cut to maxQuote bytes.
func QuoteFallback(author, quoted, answer string) (body string, fb msg.Fallback) {
	const maxQuote = 1 << 10
	if len(quoted) > maxQuote {
		quoted = clip(quoted, maxQuote) + "…"
	}
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimRight(quoted, "\n"), "\n") {
		b.WriteString("> ")
		if i == 0 && author != "" {
			b.WriteString(author + ": ")
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	q := b.String()
	fb = msg.Fallback{For: NSReply, Body: []msg.Range{{Start: 0, End: msg.RuneLen(q)}}}
	return q + answer, fb
}

// Reactions is our whole set of reactions to message id (XEP-0444); an empty
// set withdraws them all.
func Reactions(id string, emojis []string) xml.TokenReader {
	parts := make([]xml.TokenReader, 0, len(emojis))
	for _, e := range emojis {
		parts = append(parts, elem(NSReactions, "reaction", text(e)))
	}
	return elem(NSReactions, "reactions", xmlstream.MultiReader(parts...), "id", id)
}

// RetractBody is the fallback body of a retraction, for clients that know
// neither generation.
const RetractBody = "This person attempted to retract a previous message, but it's unsupported by your client."

// Retraction takes back our message id (its origin-id in 1:1, its stanza-id
// by the room in a groupchat), XEP-0424 generation gen: 1 is
// urn:xmpp:message-retract:1; 0 is the urn:xmpp:message-retract:0 form in a
// XEP-0422 <apply-to/>, which Prosody 0.12 and slixmpp 1.8 understand.
// Send the current generation and, for a peer that announces only the old
// one, the old one too, with RetractionFallback and a <store/> hint.
func Retraction(id string, gen uint8) xml.TokenReader {
	if gen == 0 {
		return elem(NSFasten, "apply-to", elem(NSRetract0, "retract", nil), "id", id)
	}
	return elem(NSRetract1, "retract", nil, "id", id)
}

// RetractionFallback is the <fallback/> that marks RetractBody (generation
// 1 names its namespace; generation 0 used a bare <fallback/>).
func RetractionFallback(gen uint8) xml.TokenReader {
	if gen == 0 {
		return elem(NSFallback, "fallback", nil)
	}
	return Fallback(msg.Fallback{For: NSRetract1})
}

// Hint is a XEP-0334 processing hint: no-store, no-permanent-store, no-copy
// or store.
func Hint(name string) xml.TokenReader { return elem(NSHints, name, nil) }

// ModerationIQ asks room to remove the message with stanza-id id (XEP-0425)
// with reason (may be empty), in generation gen: 1 is
// urn:xmpp:message-moderate:1, 0 the urn:xmpp:message-moderate:0 form in a
// XEP-0422 <apply-to/> (Prosody 0.12). iqID is the IQ's id.
func ModerationIQ(iqID string, room jid.JID, id, reason string, gen uint8) xml.TokenReader {
	iq := stanza.IQ{ID: iqID, To: room.Bare(), Type: stanza.SetIQ}
	var r xml.TokenReader
	if reason != "" {
		space := NSModerate1
		if gen == 0 {
			space = NSModerate0
		}
		r = elem(space, "reason", text(reason))
	}
	if gen == 0 {
		mod := elem(NSModerate0, "moderate", xmlstream.MultiReader(elem(NSRetract0, "retract", nil), r))
		return iq.Wrap(elem(NSFasten, "apply-to", mod, "id", id))
	}
	return iq.Wrap(elem(NSModerate1, "moderate", xmlstream.MultiReader(elem(NSRetract1, "retract", nil), r), "id", id))
}

// ChatState is a XEP-0085 chat state (nil for msg.NoState).
func ChatState(s msg.ChatState) xml.TokenReader {
	if s == msg.NoState {
		return nil
	}
	return elem(NSChatStates, s.String(), nil)
}

// Markable asks for XEP-0333 markers for this message.
func Markable() xml.TokenReader { return elem(NSMarkers, "markable", nil) }

// Marker is a XEP-0333 marker for message id (nil for msg.NoMarker).
func Marker(k msg.MarkerKind, id string) xml.TokenReader {
	if k == msg.NoMarker {
		return nil
	}
	return elem(NSMarkers, k.String(), nil, "id", id)
}

// ReceiptRequest asks for a XEP-0184 delivery receipt.
func ReceiptRequest() xml.TokenReader { return elem(NSReceipts, "request", nil) }

// ReceiptReceived acknowledges message id (XEP-0184).
func ReceiptReceived(id string) xml.TokenReader { return elem(NSReceipts, "received", nil, "id", id) }

// OOB is a XEP-0066 jabber:x:oob URL with an optional description.
func OOB(o msg.OOB) xml.TokenReader {
	var desc xml.TokenReader
	if o.Desc != "" {
		desc = elem(NSOOB, "desc", text(o.Desc))
	}
	return elem(NSOOB, "x", xmlstream.MultiReader(elem(NSOOB, "url", text(o.URL)), desc))
}

// Unstyled is the XEP-0393 hint that the body must not be styled.
func Unstyled() xml.TokenReader { return elem(NSStyling, "unstyled", nil) }
