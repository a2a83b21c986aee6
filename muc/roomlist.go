package muc

// The room directory of a service (XEP-0045 §6.3, disco#items) and the
// affiliation lists of a room (§9.5, §10.5, muc#admin): query builders and
// bounded parsers of the answers, for a caller that sends the IQ itself.

import (
	"cmp"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
)

// Bounds of the lists parsed here. A longer answer is cut (and says so):
// its other items are not read.
const (
	MaxRoomList  = 1000    // rooms kept from a service's list
	MaxAdminList = 5000    // entries kept from an affiliation list
	maxListToks  = 1 << 16 // tokens read from one answer
)

// RoomItem is a room of a service's list.
type RoomItem struct {
	JID       jid.JID // bare room address
	Name      string  // as the service names it (may be empty), bounded, not sanitized
	Occupants int     // -1 until known (RoomInfo tells)
}

// ItemsQuery is the disco#items query that asks a service for its rooms.
func ItemsQuery() xml.TokenReader {
	return xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: NSDiscoItems, Local: "query"}})
}

// errNotList reports an answer that is not the element asked for.
var errNotList = errors.New("muc: the answer is not the list asked for")

// listReader walks the children of an element whose start was read, within
// a token budget.
type listReader struct {
	r     xml.TokenReader
	n     int
	depth int
}

// next returns the next start element that is a direct child, skipping
// everything else; io.EOF at the element's end, errListCut past the budget.
func (l *listReader) next() (xml.StartElement, error) {
	for {
		if l.n++; l.n > maxListToks {
			return xml.StartElement{}, errListCut
		}
		tok, err := l.r.Token()
		if tok == nil {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			l.depth++
			if l.depth == 1 {
				return t, nil
			}
		case xml.EndElement:
			if l.depth == 0 {
				return xml.StartElement{}, io.EOF
			}
			l.depth--
		}
	}
}

var errListCut = errors.New("muc: list cut")

// ParseRoomItems reads a disco#items answer (start is its <query/>, already
// read) as a list of rooms: items whose address is a room (room@service;
// the service's other items are skipped), each once, in the service's
// order, at most MaxRoomList. cut reports that the answer had more than
// was kept, or was too large to read whole; what was read before a broken
// end is kept as cut, not lost.
func ParseRoomItems(start xml.StartElement, r xml.TokenReader) (rooms []RoomItem, cut bool, err error) {
	if start.Name != (xml.Name{Space: NSDiscoItems, Local: "query"}) {
		return nil, false, errNotList
	}
	seen := make(map[string]bool)
	l := &listReader{r: r}
	for {
		se, err := l.next()
		switch {
		case err == io.EOF:
			return rooms, cut, nil
		case err != nil && len(rooms) > 0:
			return rooms, true, nil
		case err == errListCut:
			return rooms, true, nil
		case err != nil:
			return nil, false, err
		}
		if se.Name != (xml.Name{Space: NSDiscoItems, Local: "item"}) {
			continue
		}
		addr := attrOf(se, "jid")
		if addr == "" || len(addr) > 3*MaxName {
			continue
		}
		j, perr := jid.Parse(addr)
		if perr != nil || j.Localpart() == "" || j.Resourcepart() != "" || seen[j.String()] {
			continue
		}
		if len(rooms) == MaxRoomList {
			return rooms, true, nil
		}
		seen[j.String()] = true
		rooms = append(rooms, RoomItem{JID: j, Name: clip(attrOf(se, "name"), MaxName), Occupants: -1})
	}
}

// SortRooms orders rooms by the most occupants first (unknown counts last),
// then by address.
func SortRooms(rooms []RoomItem) {
	slices.SortStableFunc(rooms, func(a, b RoomItem) int {
		if c := cmp.Compare(b.Occupants, a.Occupants); c != 0 {
			return c
		}
		return strings.Compare(a.JID.String(), b.JID.String())
	})
}

// AdminItem is an entry of an affiliation list: a user's bare JID, and the
// nick the room reserved for them, if it says one.
type AdminItem struct {
	JID         jid.JID
	Nick        string // bounded, not sanitized
	Affiliation Affiliation
	Reason      string // bounded, not sanitized (a ban's reason)
}

// AffiliationQuery is the muc#admin query for the users with affiliation
// aff (owner, admin, member or outcast).
func AffiliationQuery(aff Affiliation) (xml.TokenReader, error) {
	switch aff {
	case AffOwner, AffAdmin, AffMember, AffOutcast:
	default:
		return nil, errors.New("muc: a list is of owners, admins, members or outcasts")
	}
	return encode(adminQuery{Items: []adminItem{{Affiliation: string(aff)}}}), nil
}

// ParseAdminItems reads a muc#admin answer (start is its <query/>, already
// read): at most MaxAdminList entries with a valid JID and affiliation; cut
// reports that more came, or that the answer was too large to read whole.
func ParseAdminItems(start xml.StartElement, r xml.TokenReader) (items []AdminItem, cut bool, err error) {
	if start.Name != (xml.Name{Space: NSAdmin, Local: "query"}) {
		return nil, false, errNotList
	}
	l := &listReader{r: r}
	for {
		se, err := l.next()
		switch {
		case err == io.EOF:
			return items, cut, nil
		case err == errListCut, err != nil && len(items) > 0:
			return items, true, nil
		case err != nil:
			return nil, false, err
		}
		if se.Name != (xml.Name{Space: NSAdmin, Local: "item"}) {
			continue
		}
		it := AdminItem{Nick: clip(attrOf(se, "nick"), MaxNick), Affiliation: Affiliation(attrOf(se, "affiliation"))}
		addr := attrOf(se, "jid")
		j, perr := jid.Parse(addr)
		if len(addr) > 3*MaxNick || perr != nil || !it.Affiliation.Valid() {
			continue
		}
		it.JID = j.Bare()
		reason, rerr := childText(l, "reason", MaxReason)
		if rerr != nil {
			if len(items) > 0 || rerr == errListCut {
				return append(items, it), true, nil
			}
			return nil, false, rerr
		}
		it.Reason = reason
		if len(items) == MaxAdminList {
			return items, true, nil
		}
		items = append(items, it)
	}
}

// childText reads the rest of the item just started (at depth 1) and
// returns the text of its child named local, bounded by limit.
func childText(l *listReader, local string, limit int) (string, error) {
	var sb strings.Builder
	inChild := false
	for l.depth >= 1 {
		if l.n++; l.n > maxListToks {
			return "", errListCut
		}
		tok, err := l.r.Token()
		if tok == nil {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			l.depth++
			inChild = l.depth == 2 && t.Name.Local == local
		case xml.EndElement:
			l.depth--
			inChild = false
		case xml.CharData:
			if inChild && sb.Len() < limit+4 {
				sb.Write(t[:min(len(t), limit+4-sb.Len())])
			}
		}
	}
	return clip(strings.TrimSpace(sb.String()), limit), nil
}

// attrOf returns the value of the attribute local of se.
func attrOf(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// NameCount reads the occupant count some services (ejabberd) append to a
// room's name in their list, "lobby (3)": it returns the name without it
// and the count, or name and -1 when it ends otherwise. A room's own
// disco#info (RoomInfo) is the better source; this is for rooms not asked.
func NameCount(name string) (string, int) {
	if !strings.HasSuffix(name, ")") {
		return name, -1
	}
	open := strings.LastIndex(name, " (")
	if open < 0 {
		return name, -1
	}
	digits := name[open+2 : len(name)-1]
	if digits == "" || len(digits) > 6 {
		return name, -1
	}
	n := 0
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return name, -1
		}
		n = n*10 + int(c-'0')
	}
	return name[:open], n
}
