// Package entity is the small queries one XMPP entity asks another about
// itself: software version (XEP-0092), entity time (XEP-0202), last
// activity (XEP-0012) and service discovery items (XEP-0030). It builds
// the answers parley gives and reads, within bounds, the answers it gets;
// the parsers never panic on hostile input and keep no more than their
// limits.
package entity

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"parley/internal/xmlbound"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mellium.im/xmlstream"
)

// Namespaces.
const (
	NSVersion    = "jabber:iq:version"
	NSTime       = "urn:xmpp:time"
	NSLast       = "jabber:iq:last"
	NSDiscoItems = "http://jabber.org/protocol/disco#items"
)

// Bounds on what is read from an answer.
const (
	MaxText  = 256  // a version's name, version or os; a last activity's status
	MaxItems = 1000 // disco#items kept
	MaxAttr  = 1024 // a JID, node or name of an item
	// maxTokens bounds the tokens one parser reads: past it the answer is
	// refused as too large.
	maxTokens = 1 << 14
)

// ErrMalformed reports an answer that does not follow its XEP, or that is
// over the bounds.
var ErrMalformed = errors.New("malformed answer")

// Version is a software version answer (XEP-0092).
type Version struct {
	Name, Version, OS string
}

// String is "name version (os)", leaving out what is empty.
func (v Version) String() string {
	s := strings.TrimSpace(v.Name + " " + v.Version)
	if s == "" {
		s = "(no name)"
	}
	if v.OS != "" {
		s += " (" + v.OS + ")"
	}
	return s
}

// VersionAnswer is the <query/> of our version answer; os is left out when
// empty (the default: the operating system is not told).
func VersionAnswer(name, version, os string) xml.TokenReader {
	parts := []xml.TokenReader{textElem(NSVersion, "name", name), textElem(NSVersion, "version", version)}
	if os != "" {
		parts = append(parts, textElem(NSVersion, "os", os))
	}
	return xmlstream.Wrap(xmlstream.MultiReader(parts...), xml.StartElement{Name: xml.Name{Space: NSVersion, Local: "query"}})
}

// TimeAnswer is the <time/> of our entity time answer for now.
func TimeAnswer(now time.Time) xml.TokenReader {
	return xmlstream.Wrap(xmlstream.MultiReader(
		textElem(NSTime, "tzo", now.Format("-07:00")),
		textElem(NSTime, "utc", now.UTC().Format("2006-01-02T15:04:05.000Z")),
	), xml.StartElement{Name: xml.Name{Space: NSTime, Local: "time"}})
}

// LastAnswer is the <query/> of our last activity answer: idle for that
// long, in whole seconds.
func LastAnswer(idle time.Duration) xml.TokenReader {
	secs := int64(idle / time.Second)
	if secs < 0 {
		secs = 0
	}
	return xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: NSLast, Local: "query"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "seconds"}, Value: strconv.FormatInt(secs, 10)}}})
}

// Query is the empty request payload of namespace ns: a <query/> (or, for
// entity time, a <time/>), with node when not empty (disco#items).
func Query(ns, node string) xml.TokenReader {
	local := "query"
	if ns == NSTime {
		local = "time"
	}
	start := xml.StartElement{Name: xml.Name{Space: ns, Local: local}}
	if node != "" {
		start.Attr = []xml.Attr{{Name: xml.Name{Local: "node"}, Value: node}}
	}
	return xmlstream.Wrap(nil, start)
}

func textElem(ns, local, text string) xml.TokenReader {
	return xmlstream.Wrap(xmlstream.Token(xml.CharData(text)), xml.StartElement{Name: xml.Name{Space: ns, Local: local}})
}

// ParseVersion reads a jabber:iq:version <query/> whose start was read.
func ParseVersion(start xml.StartElement, r xml.TokenReader) (Version, error) {
	if start.Name != (xml.Name{Space: NSVersion, Local: "query"}) {
		return Version{}, fmt.Errorf("%w: not a version query", ErrMalformed)
	}
	var v Version
	err := fields(r, NSVersion, func(local, text string) {
		switch local {
		case "name":
			v.Name = text
		case "version":
			v.Version = text
		case "os":
			v.OS = text
		}
	})
	return v, err
}

// Time is an entity time answer (XEP-0202): the entity's clock in UTC and
// its offset from UTC.
type Time struct {
	UTC    time.Time
	Offset time.Duration
}

// Local is the entity's time in its own zone.
func (t Time) Local() time.Time {
	return t.UTC.In(time.FixedZone("", int(t.Offset/time.Second)))
}

// ParseTime reads a urn:xmpp:time <time/> whose start was read.
func ParseTime(start xml.StartElement, r xml.TokenReader) (Time, error) {
	if start.Name != (xml.Name{Space: NSTime, Local: "time"}) {
		return Time{}, fmt.Errorf("%w: not an entity time", ErrMalformed)
	}
	var tzo, utc string
	if err := fields(r, NSTime, func(local, text string) {
		switch local {
		case "tzo":
			tzo = text
		case "utc":
			utc = text
		}
	}); err != nil {
		return Time{}, err
	}
	u, err := time.Parse(time.RFC3339Nano, utc)
	if err != nil {
		return Time{}, fmt.Errorf("%w: utc %q is not a date and time", ErrMalformed, utc)
	}
	off, err := parseOffset(tzo)
	if err != nil {
		return Time{}, err
	}
	return Time{UTC: u.UTC(), Offset: off}, nil
}

// parseOffset reads a tzo: "Z", or "+hh:mm" / "-hh:mm" within ±14:00.
func parseOffset(s string) (time.Duration, error) {
	if s == "Z" {
		return 0, nil
	}
	bad := fmt.Errorf("%w: tzo %q is not an offset", ErrMalformed, s)
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return 0, bad
	}
	for _, i := range []int{1, 2, 4, 5} {
		if s[i] < '0' || s[i] > '9' {
			return 0, bad
		}
	}
	h := int(s[1]-'0')*10 + int(s[2]-'0')
	m := int(s[4]-'0')*10 + int(s[5]-'0')
	if h > 14 || m > 59 {
		return 0, bad
	}
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
	if s[0] == '-' {
		d = -d
	}
	return d, nil
}

// Last is a last activity answer (XEP-0012): for an account's bare JID
// the time since it logged out, for a full JID its idle time, for a
// server its uptime; Status is the text of a bare JID's last unavailable
// presence.
type Last struct {
	Seconds int64
	Status  string
}

// ParseLast reads a jabber:iq:last <query/> whose start was read.
func ParseLast(start xml.StartElement, r xml.TokenReader) (Last, error) {
	if start.Name != (xml.Name{Space: NSLast, Local: "query"}) {
		return Last{}, fmt.Errorf("%w: not a last activity query", ErrMalformed)
	}
	var l Last
	s := xmlbound.Attr(start, "seconds")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return Last{}, fmt.Errorf("%w: seconds %q is not a count of seconds", ErrMalformed, xmlbound.Clip(s, 32))
	}
	l.Seconds = n
	text, err := ownText(r)
	l.Status = text
	return l, err
}

// Item is one disco#items item.
type Item struct {
	JID, Node, Name string
}

// Items is a disco#items answer; Cut says that more items than MaxItems
// came and only the first MaxItems were kept.
type Items struct {
	Items []Item
	Cut   bool
}

// ParseItems reads a disco#items <query/> whose start was read.
func ParseItems(start xml.StartElement, r xml.TokenReader) (Items, error) {
	if start.Name != (xml.Name{Space: NSDiscoItems, Local: "query"}) {
		return Items{}, fmt.Errorf("%w: not a disco#items query", ErrMalformed)
	}
	var out Items
	b := &xmlbound.Reader{R: r, Max: maxTokens, Malformed: ErrMalformed}
	for {
		tok, err := b.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || b.Depth() != 1 {
			continue
		}
		if se.Name != (xml.Name{Space: NSDiscoItems, Local: "item"}) {
			continue
		}
		if len(out.Items) >= MaxItems {
			out.Cut = true
			continue
		}
		it := Item{JID: xmlbound.Attr(se, "jid"), Node: xmlbound.Attr(se, "node"), Name: xmlbound.Attr(se, "name")}
		if it.JID == "" || len(it.JID) > MaxAttr || len(it.Node) > MaxAttr {
			continue // an item without a usable address
		}
		it.Name = xmlbound.Clip(it.Name, MaxAttr)
		out.Items = append(out.Items, it)
	}
}

// fields reads the children of the element whose start was read, calling
// set with the local name and text (bounded, trimmed) of each child in
// namespace ns that holds only text; the first of each name wins.
func fields(r xml.TokenReader, ns string, set func(local, text string)) error {
	b := &xmlbound.Reader{R: r, Max: maxTokens, Malformed: ErrMalformed}
	seen := map[string]bool{}
	var cur string
	var sb strings.Builder
	for {
		tok, err := b.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			cur = ""
			if b.Depth() == 1 && t.Name.Space == ns && !seen[t.Name.Local] {
				cur = t.Name.Local
				sb.Reset()
			}
		case xml.CharData:
			if cur != "" && b.Depth() == 1 && sb.Len() <= MaxText+utf8.UTFMax {
				sb.Write(t[:min(len(t), MaxText+utf8.UTFMax-sb.Len()+1)])
			}
		case xml.EndElement:
			if cur != "" && b.Depth() == 0 {
				seen[cur] = true
				set(cur, xmlbound.Clip(strings.TrimSpace(sb.String()), MaxText))
				cur = ""
			}
		}
	}
}

// ownText reads the character data directly inside the element whose start
// was read, bounded to MaxText.
func ownText(r xml.TokenReader) (string, error) {
	b := &xmlbound.Reader{R: r, Max: maxTokens, Malformed: ErrMalformed}
	var sb strings.Builder
	for {
		tok, err := b.Token()
		if err == io.EOF {
			return xmlbound.Clip(strings.TrimSpace(sb.String()), MaxText), nil
		}
		if err != nil {
			return "", err
		}
		if cd, ok := tok.(xml.CharData); ok && b.Depth() == 0 && sb.Len() <= MaxText+utf8.UTFMax {
			sb.Write(cd[:min(len(cd), MaxText+utf8.UTFMax-sb.Len()+1)])
		}
	}
}
