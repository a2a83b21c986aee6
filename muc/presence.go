package muc

import (
	"encoding/xml"
	"strconv"

	"mellium.im/xmlstream"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Item is the <item/> of a muc#user payload: what the room says about one
// occupant. JID is the occupant's real JID when the room shows it.
type Item struct {
	Affiliation Affiliation
	Role        Role
	JID         jid.JID // real JID, zero if the room hides it
	Nick        string  // the new nick in a 303 nick change
	Actor       string  // nick (or JID) of the moderator who acted, if given
	Reason      string
}

// DestroyInfo is the <destroy/> of a room that was destroyed.
type DestroyInfo struct {
	Alternate jid.JID // a room to go to instead, may be zero
	Reason    string
	Password  string // password of the alternate room, if given
}

// Error is a stanza error of a presence or message from a room.
type Error struct {
	Type      stanza.ErrorType
	Condition stanza.Condition
	Text      string // the server's own words, untrusted
}

// Presence is a presence stanza from a room occupant, parsed and bounded.
// Only the parts group chat needs are kept.
type Presence struct {
	From    jid.JID // room@service/nick
	Type    stanza.PresenceType
	Show    string // away, chat, dnd, xa or empty
	Status  string
	MUC     bool // a muc#user payload was present
	Item    Item
	Codes   []int // status codes, at most MaxCodes
	Destroy *DestroyInfo
	Err     *Error // for presence of type error
	// OccupantID is the XEP-0421 occupant id, empty if none or longer than
	// MaxOccupantID (see Occupant.OccupantID for when to trust it).
	OccupantID string
}

// Has reports whether the presence carries the status code c.
func (p Presence) Has(c int) bool {
	for _, x := range p.Codes {
		if x == c {
			return true
		}
	}
	return false
}

// wire types for decoding. Attributes stay strings so that a malformed JID
// or number in one field does not fail the whole stanza.
type wireItem struct {
	Affiliation string `xml:"affiliation,attr"`
	Role        string `xml:"role,attr"`
	JID         string `xml:"jid,attr"`
	Nick        string `xml:"nick,attr"`
	Actor       *struct {
		Nick string `xml:"nick,attr"`
		JID  string `xml:"jid,attr"`
	} `xml:"actor"`
	Reason string `xml:"reason"`
}

type wireDestroy struct {
	JID      string `xml:"jid,attr"`
	Reason   string `xml:"reason"`
	Password string `xml:"password"`
}

type wireStatus struct {
	Code string `xml:"code,attr"`
}

// statusCodes returns the valid three-digit status codes of a muc#user
// <x/>, at most MaxCodes of them (nil when there are none).
func statusCodes(status []wireStatus) []int {
	var codes []int
	for _, s := range status {
		if len(codes) == MaxCodes {
			break
		}
		if c, err := strconv.Atoi(s.Code); err == nil && c >= 100 && c <= 999 {
			codes = append(codes, c)
		}
	}
	return codes
}

type wireUserX struct {
	Items   []wireItem   `xml:"item"`
	Status  []wireStatus `xml:"status"`
	Destroy *wireDestroy `xml:"destroy"`
}

type wireError struct {
	Type string `xml:"type,attr"`
	Any  []struct {
		XMLName xml.Name
		Data    string `xml:",chardata"`
	} `xml:",any"`
}

type wirePresence struct {
	From   string      `xml:"from,attr"`
	Type   string      `xml:"type,attr"`
	Show   []string    `xml:"show"`
	Status []string    `xml:"status"`
	X      []wireUserX `xml:"http://jabber.org/protocol/muc#user x"`
	Error  *wireError  `xml:"error"`
	OccID  []struct {
		ID string `xml:"id,attr"`
	} `xml:"urn:xmpp:occupant-id:0 occupant-id"`
}

// ParsePresence decodes a presence stanza whose start element was already
// read (as in a mellium handler: start is the <presence> element and r reads
// its children and end element). It keeps what group chat needs and bounds
// every text. It returns an error only when the XML itself is broken or the
// from address is not a JID.
func ParsePresence(start xml.StartElement, r xml.TokenReader) (Presence, error) {
	var w wirePresence
	if err := decodeStanza(start, r, &w); err != nil {
		return Presence{}, err
	}
	return w.presence()
}

// decodeStanza decodes a stanza given as its start element, already read,
// and a reader of the rest (children and end element), into v.
func decodeStanza(start xml.StartElement, r xml.TokenReader, v any) error {
	return xml.NewTokenDecoder(xmlstream.MultiReader(xmlstream.Token(start), r)).Decode(v)
}

func (w *wirePresence) presence() (Presence, error) {
	var p Presence
	from, err := jid.Parse(w.From)
	if err != nil {
		return p, err
	}
	p.From = from
	p.Type = stanza.PresenceType(w.Type)
	if len(w.Show) > 0 {
		switch s := w.Show[0]; s {
		case "away", "chat", "dnd", "xa":
			p.Show = s
		}
	}
	if len(w.Status) > 0 {
		p.Status = clip(w.Status[0], MaxStatus)
	}
	if w.Error != nil {
		p.Err = w.Error.parse()
	}
	if len(w.OccID) > 0 && len(w.OccID[0].ID) <= MaxOccupantID {
		p.OccupantID = w.OccID[0].ID
	}
	if len(w.X) == 0 {
		return p, nil
	}
	p.MUC = true
	x := w.X[0]
	if len(x.Items) > 0 {
		p.Item = x.Items[0].parse()
	}
	p.Codes = statusCodes(x.Status)
	if x.Destroy != nil {
		d := &DestroyInfo{
			Reason:   clip(x.Destroy.Reason, MaxReason),
			Password: clip(x.Destroy.Password, MaxPassword),
		}
		if j, err := jid.Parse(x.Destroy.JID); err == nil {
			d.Alternate = j.Bare()
		}
		p.Destroy = d
	}
	return p, nil
}

func (wi wireItem) parse() Item {
	it := Item{
		Affiliation: Affiliation(wi.Affiliation),
		Role:        Role(wi.Role),
		Nick:        clip(wi.Nick, MaxNick),
		Reason:      clip(wi.Reason, MaxReason),
	}
	if !it.Affiliation.Valid() {
		it.Affiliation = AffNone
	}
	if !it.Role.Valid() {
		it.Role = RoleNone
	}
	if j, err := jid.Parse(wi.JID); err == nil {
		it.JID = j
	}
	if wi.Actor != nil {
		it.Actor = clip(wi.Actor.Nick, MaxNick)
		if it.Actor == "" {
			it.Actor = clip(wi.Actor.JID, MaxNick)
		}
	}
	return it
}

func (we *wireError) parse() *Error {
	e := &Error{Type: stanza.ErrorType(we.Type), Condition: stanza.UndefinedCondition}
	found := false
	for _, a := range we.Any {
		if a.XMLName.Space != stanza.NSError {
			continue
		}
		if a.XMLName.Local == "text" {
			e.Text = clip(a.Data, MaxReason)
		} else if !found {
			e.Condition = stanza.Condition(a.XMLName.Local)
			found = true
		}
	}
	// Only known conditions are kept: the name is shown to the user.
	if !knownCondition(e.Condition) {
		e.Condition = stanza.UndefinedCondition
	}
	return e
}
