// Package blocking is XEP-0191 blocking command with XEP-0377 spam
// reporting: the payloads that ask for the block list, block and unblock
// addresses (a block may carry a spam or abuse report), the parser of the
// server's answers and pushes, and List, the set of blocked addresses with
// the matching rules of XEP-0191 (those of privacy lists, RFC 3921 §10).
//
// Everything parsed comes from the network: the parser never panics on
// hostile input, keeps at most MaxItems addresses, skips items whose
// address is not a JID, and never mistakes an unblock of unusable items
// for an unblock of everything.
package blocking

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"parley/internal/xmlbound"
	"slices"
	"strings"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
)

// Namespaces.
const (
	NS       = "urn:xmpp:blocking"    // XEP-0191
	NSReport = "urn:xmpp:reporting:1" // XEP-0377
)

// Bounds.
const (
	// MaxItems bounds the addresses kept: of one answer or push, and in a
	// List.
	MaxItems = 10000
	// maxJID is the longest address read (RFC 7622: 3 parts of 1023
	// bytes, two separators).
	maxJID = 3071
	// MaxText bounds the text of a report.
	MaxText = 1024
	// MaxEvidence bounds the stanza-ids a report names.
	MaxEvidence = 20
	// nsSID is XEP-0359's namespace, of the stanza-ids a report names.
	nsSID = "urn:xmpp:sid:0"
)

// Reason is why an address is blocked, as reported to the server.
type Reason int

// Reasons. NoReason blocks without a report.
const (
	NoReason Reason = iota
	Spam            // unsolicited messages
	Abuse           // harassment, threats
)

// ParseReason maps a user word ("spam", "abuse") to a Reason.
func ParseReason(s string) (Reason, bool) {
	switch strings.ToLower(s) {
	case "spam":
		return Spam, true
	case "abuse":
		return Abuse, true
	}
	return NoReason, false
}

// String is the user word of r ("" for NoReason).
func (r Reason) String() string {
	switch r {
	case Spam:
		return "spam"
	case Abuse:
		return "abuse"
	}
	return ""
}

// urn is the XEP-0377 reason URI of r.
func (r Reason) urn() string {
	switch r {
	case Spam:
		return "urn:xmpp:reporting:spam"
	case Abuse:
		return "urn:xmpp:reporting:abuse"
	}
	return ""
}

// Request is the <blocklist/> of an IQ get asking for the block list.
func Request() xml.TokenReader {
	return xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: NS, Local: "blocklist"}})
}

// Report is a XEP-0377 report sent with a block: its reason (NoReason:
// no report), an optional text for the server's operators (cut to
// MaxText bytes), and the XEP-0359 stanza-ids, assigned by By, of
// offending messages (the first MaxEvidence).
type Report struct {
	Reason    Reason
	Text      string
	StanzaIDs []string
	By        jid.JID
}

// element is the <report/> of r, nil for no report.
func (r Report) element() xml.TokenReader {
	if r.Reason == NoReason {
		return nil
	}
	var inner []xml.TokenReader
	if r.By.String() != "" {
		for i, id := range r.StanzaIDs {
			if i == MaxEvidence {
				break
			}
			inner = append(inner, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsSID, Local: "stanza-id"},
				Attr: []xml.Attr{{Name: xml.Name{Local: "by"}, Value: r.By.String()}, {Name: xml.Name{Local: "id"}, Value: id}}}))
		}
	}
	if r.Text != "" {
		inner = append(inner, xmlstream.Wrap(xmlstream.Token(xml.CharData(xmlbound.Clip(r.Text, MaxText))),
			xml.StartElement{Name: xml.Name{Space: NSReport, Local: "text"}}))
	}
	return xmlstream.Wrap(xmlstream.MultiReader(inner...), xml.StartElement{Name: xml.Name{Space: NSReport, Local: "report"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "reason"}, Value: r.Reason.urn()}}})
}

// Block is the <block/> of an IQ set blocking jids, each item with the
// report r (if any).
func Block(jids []jid.JID, r Report) xml.TokenReader {
	items := make([]xml.TokenReader, 0, len(jids))
	for _, j := range jids {
		items = append(items, item(j, r.element()))
	}
	return xmlstream.Wrap(xmlstream.MultiReader(items...), xml.StartElement{Name: xml.Name{Space: NS, Local: "block"}})
}

// Unblock is the <unblock/> of an IQ set unblocking jids; with none it
// unblocks every address.
func Unblock(jids []jid.JID) xml.TokenReader {
	items := make([]xml.TokenReader, 0, len(jids))
	for _, j := range jids {
		items = append(items, item(j, nil))
	}
	return xmlstream.Wrap(xmlstream.MultiReader(items...), xml.StartElement{Name: xml.Name{Space: NS, Local: "unblock"}})
}

func item(j jid.JID, inner xml.TokenReader) xml.TokenReader {
	return xmlstream.Wrap(inner, xml.StartElement{Name: xml.Name{Space: NS, Local: "item"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "jid"}, Value: j.String()}}})
}

// Kind is what a parsed payload is.
type Kind int

// Kinds of payload.
const (
	List    Kind = iota + 1 // <blocklist/>: the whole list (an answer to Request)
	Blocked                 // <block/>: addresses blocked (a push)
	Removed                 // <unblock/>: addresses unblocked (a push); All: every one
)

// Payload is a parsed <blocklist/>, <block/> or <unblock/>.
type Payload struct {
	Kind Kind
	JIDs []jid.JID // at most MaxItems, each once, in the order given
	// All is set for an <unblock/> without any item: everything is
	// unblocked. An <unblock/> whose items are all unusable is not All.
	All bool
	// Invalid counts the items skipped for an address that is not a JID;
	// Cut says that more than MaxItems came and only MaxItems were kept.
	Invalid int
	Cut     bool
}

// ErrMalformed reports a payload that is not one of this package's.
var ErrMalformed = errors.New("malformed blocking payload")

// Parse reads a <blocklist/>, <block/> or <unblock/> whose start was read,
// up to its end.
func Parse(start xml.StartElement, r xml.TokenReader) (Payload, error) {
	var p Payload
	switch start.Name {
	case xml.Name{Space: NS, Local: "blocklist"}:
		p.Kind = List
	case xml.Name{Space: NS, Local: "block"}:
		p.Kind = Blocked
	case xml.Name{Space: NS, Local: "unblock"}:
		p.Kind = Removed
	default:
		return Payload{}, fmt.Errorf("%w: <%s xmlns=%q>", ErrMalformed, xmlbound.Clip(start.Name.Local, 64), xmlbound.Clip(start.Name.Space, 128))
	}
	seen := make(map[string]struct{})
	items, depth := 0, 0
	for depth >= 0 {
		tok, err := r.Token()
		if err == io.EOF {
			break // the reader ends with the element (a child reader)
		}
		if err != nil {
			return p, err // a broken stream, or the caller's bound reached
		}
		if tok == nil {
			return p, io.ErrNoProgress
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth != 1 || t.Name != (xml.Name{Space: NS, Local: "item"}) {
				continue
			}
			items++
			s := xmlbound.Attr(t, "jid")
			if len(s) > maxJID {
				p.Invalid++
				continue
			}
			j, err := jid.Parse(s)
			if err != nil || s == "" {
				p.Invalid++
				continue
			}
			key := j.String()
			if _, dup := seen[key]; dup {
				continue
			}
			if len(p.JIDs) >= MaxItems {
				p.Cut = true
				continue
			}
			seen[key] = struct{}{}
			p.JIDs = append(p.JIDs, j)
		case xml.EndElement:
			depth--
		}
	}
	p.All = p.Kind == Removed && items == 0
	return p, nil
}

// Set is the set of blocked addresses (at most MaxItems). Its zero value
// is empty and ready; it is not safe for concurrent use.
type Set struct {
	m map[string]jid.JID
}

// Len is the number of addresses in s.
func (s *Set) Len() int { return len(s.m) }

// Add adds jids and returns those that were not there yet; past MaxItems
// the rest are left out and full is set.
func (s *Set) Add(jids []jid.JID) (added []jid.JID, full bool) {
	if s.m == nil {
		s.m = make(map[string]jid.JID)
	}
	for _, j := range jids {
		key := j.String()
		if _, ok := s.m[key]; ok {
			continue
		}
		if len(s.m) >= MaxItems {
			full = true
			continue
		}
		s.m[key] = j
		added = append(added, j)
	}
	return added, full
}

// Remove removes jids and returns those that were there.
func (s *Set) Remove(jids []jid.JID) (removed []jid.JID) {
	for _, j := range jids {
		key := j.String()
		if _, ok := s.m[key]; ok {
			delete(s.m, key)
			removed = append(removed, j)
		}
	}
	return removed
}

// Clear empties s and returns what it held, sorted.
func (s *Set) Clear() []jid.JID {
	all := s.JIDs()
	s.m = nil
	return all
}

// Has reports whether exactly j is in s.
func (s *Set) Has(j jid.JID) bool {
	_, ok := s.m[j.String()]
	return ok
}

// JIDs returns the addresses of s, sorted.
func (s *Set) JIDs() []jid.JID {
	out := make([]jid.JID, 0, len(s.m))
	for _, j := range s.m {
		out = append(out, j)
	}
	slices.SortFunc(out, func(a, b jid.JID) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// Blocks reports whether a stanza from j is blocked by an address of s,
// by the rules of XEP-0191 §3.3 (those of privacy lists): user@domain/res
// blocks that full JID only, user@domain every resource of it,
// domain/res that full JID only, domain everything of that domain.
func (s *Set) Blocks(j jid.JID) bool {
	if len(s.m) == 0 || j.Domainpart() == "" {
		return false
	}
	full := j.String()
	if _, ok := s.m[full]; ok {
		return true
	}
	// Neither a localpart nor a domain holds a slash: the first one
	// starts the resource.
	if i := strings.IndexByte(full, '/'); i >= 0 {
		if _, ok := s.m[full[:i]]; ok {
			return true
		}
	}
	_, ok := s.m[j.Domainpart()]
	return ok
}
