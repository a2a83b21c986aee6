package muc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"time"

	"mellium.im/xmpp/jid"
)

// encode returns the XML of v as a token stream for (*xmpp.Session).Send.
// The tokens are raw (prefix-free names with xmlns attributes), as mellium
// itself produces them.
func encode(v any) xml.TokenReader {
	var b bytes.Buffer
	if err := xml.NewEncoder(&b).Encode(v); err != nil {
		return errReader{err}
	}
	return rawReader{xml.NewDecoder(&b)}
}

type rawReader struct{ d *xml.Decoder }

func (r rawReader) Token() (xml.Token, error) { return r.d.RawToken() }

type errReader struct{ err error }

func (r errReader) Token() (xml.Token, error) { return nil, r.err }

// History limits what the room replays on join (XEP-0045 §7.2.13). The zero
// value asks for the room's default.
type History struct {
	MaxStanzas int       // > 0: at most this many messages
	Since      time.Time // non-zero: only messages after this time (for a rejoin)
	None       bool      // no history at all (maxstanzas='0'), e.g. when catching up from MAM
}

type xHistory struct {
	MaxStanzas *int   `xml:"maxstanzas,attr,omitempty"`
	Since      string `xml:"since,attr,omitempty"`
}

type xJoin struct {
	XMLName  xml.Name  `xml:"http://jabber.org/protocol/muc x"`
	History  *xHistory `xml:"history,omitempty"`
	Password string    `xml:"password,omitempty"`
}

type presenceOut struct {
	XMLName xml.Name `xml:"jabber:client presence"`
	To      string   `xml:"to,attr,omitempty"`
	Type    string   `xml:"type,attr,omitempty"`
	ID      string   `xml:"id,attr,omitempty"`
	Show    string   `xml:"show,omitempty"`
	Status  string   `xml:"status,omitempty"`
	X       *xJoin   `xml:",omitempty"`
}

// errNoNick is returned by the builders for an empty nick.
var errNoNick = errors.New("muc: a nick is needed")

func occupantJID(room jid.JID, nick string) (jid.JID, error) {
	if nick == "" {
		return jid.JID{}, errNoNick
	}
	return room.Bare().WithResource(nick)
}

// JoinPresence builds the presence that joins room with nick (XEP-0045
// §7.2), with an optional password and history limits. show and status are
// our availability in the room (empty for plain available).
func JoinPresence(room jid.JID, nick, password string, h History, show, status string) (xml.TokenReader, error) {
	to, err := occupantJID(room, nick)
	if err != nil {
		return nil, err
	}
	x := &xJoin{Password: password}
	switch {
	case h.None:
		zero := 0
		x.History = &xHistory{MaxStanzas: &zero}
	case !h.Since.IsZero():
		x.History = &xHistory{Since: h.Since.UTC().Format(time.RFC3339)}
		if h.MaxStanzas > 0 {
			n := h.MaxStanzas
			x.History.MaxStanzas = &n
		}
	case h.MaxStanzas > 0:
		n := h.MaxStanzas
		x.History = &xHistory{MaxStanzas: &n}
	}
	return encode(presenceOut{To: to.String(), Show: show, Status: status, X: x}), nil
}

// LeavePresence builds the presence that leaves room, with an optional
// reason shown to the others.
func LeavePresence(room jid.JID, nick, reason string) (xml.TokenReader, error) {
	to, err := occupantJID(room, nick)
	if err != nil {
		return nil, err
	}
	return encode(presenceOut{To: to.String(), Type: "unavailable", Status: reason}), nil
}

// NickPresence builds the presence that changes our nick in room to nick
// (XEP-0045 §7.6). Call Room.RequestNick as it is sent.
func NickPresence(room jid.JID, nick string) (xml.TokenReader, error) {
	to, err := occupantJID(room, nick)
	if err != nil {
		return nil, err
	}
	return encode(presenceOut{To: to.String()}), nil
}

// StatusPresence builds a presence that updates our show and status in a
// room we are in.
func StatusPresence(room jid.JID, nick, show, status string) (xml.TokenReader, error) {
	to, err := occupantJID(room, nick)
	if err != nil {
		return nil, err
	}
	return encode(presenceOut{To: to.String(), Show: show, Status: status}), nil
}

type messageOut struct {
	XMLName xml.Name `xml:"jabber:client message"`
	To      string   `xml:"to,attr"`
	Type    string   `xml:"type,attr,omitempty"`
	ID      string   `xml:"id,attr,omitempty"`
	Subject *string  `xml:"subject"`
	Body    string   `xml:"body,omitempty"`
	UserX   *userXOut
	Conf    *conferenceOut
}

// SubjectMessage builds the message that sets the subject of room (empty
// subject clears it).
func SubjectMessage(room jid.JID, subject string) xml.TokenReader {
	return encode(messageOut{To: room.Bare().String(), Type: "groupchat", Subject: &subject})
}

type inviteOut struct {
	To       string `xml:"to,attr"`
	Reason   string `xml:"reason,omitempty"`
	Continue *struct {
		Thread string `xml:"thread,attr,omitempty"`
	} `xml:"continue,omitempty"`
}

type userXOut struct {
	XMLName  xml.Name  `xml:"http://jabber.org/protocol/muc#user x"`
	Invite   inviteOut `xml:"invite"`
	Password string    `xml:"password,omitempty"`
}

type conferenceOut struct {
	XMLName  xml.Name `xml:"jabber:x:conference x"`
	JID      string   `xml:"jid,attr"`
	Password string   `xml:"password,attr,omitempty"`
	Reason   string   `xml:"reason,attr,omitempty"`
}

// MediatedInvite builds an invitation sent through the room (XEP-0045
// §7.8.2): the room forwards it to invitee, adding the password if the room
// has one.
func MediatedInvite(room, invitee jid.JID, reason string) xml.TokenReader {
	return encode(messageOut{
		To:    room.Bare().String(),
		UserX: &userXOut{Invite: inviteOut{To: invitee.String(), Reason: reason}},
	})
}

// DirectInvite builds a direct invitation (XEP-0249) sent straight to
// invitee, with the room password if there is one.
func DirectInvite(room, invitee jid.JID, reason, password string) xml.TokenReader {
	return encode(messageOut{
		To:   invitee.String(),
		Conf: &conferenceOut{JID: room.Bare().String(), Reason: reason, Password: password},
	})
}
