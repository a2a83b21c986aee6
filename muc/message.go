package muc

import (
	"encoding/xml"

	"mellium.im/xmpp/jid"
)

// Invite is an invitation to a room, mediated (XEP-0045 §7.8.2, sent by the
// room on behalf of From) or direct (XEP-0249, sent by From itself).
type Invite struct {
	Room     jid.JID // bare JID of the room
	From     jid.JID // who invites (as the invitation claims for a mediated one)
	Reason   string
	Password string
	Direct   bool
}

// Message is what group chat needs from a message stanza: the subject, the
// room's status codes, invitations and bookmark notifications. The body and
// the rest are the account's to parse.
type Message struct {
	From       jid.JID // zero when the stanza had no from (our own account)
	Type       string
	HasBody    bool
	HasSubject bool
	Subject    string
	Codes      []int   // muc#user status codes (104 configuration changed, 170-174 logging/anonymity)
	Invite     *Invite // nil if the message is no invitation

	bookmarks *BookmarkEvent
}

// IsSubject reports whether the message sets a room subject: a groupchat
// message with a <subject/> and no <body/> (XEP-0045 §8.1). Pass it to
// Room.HandleSubject.
func (m Message) IsSubject() bool {
	return m.Type == "groupchat" && m.HasSubject && !m.HasBody
}

// Bookmarks returns the bookmark notification (XEP-0402 PEP event) the
// message carries, but only when it comes from account itself: pushes
// claiming to be from anyone else are spoofed and ignored. account is the
// bare JID of the receiving account.
func (m Message) Bookmarks(account jid.JID) (BookmarkEvent, bool) {
	if m.bookmarks == nil {
		return BookmarkEvent{}, false
	}
	if m.From.Domainpart() != "" && !m.From.Equal(account.Bare()) {
		return BookmarkEvent{}, false
	}
	return *m.bookmarks, true
}

type wireInvite struct {
	From   string `xml:"from,attr"`
	Reason string `xml:"reason"`
}

type wireMessage struct {
	From    string   `xml:"from,attr"`
	Type    string   `xml:"type,attr"`
	Body    []string `xml:"body"`
	Subject []string `xml:"subject"`
	UserX   []struct {
		Invite   []wireInvite `xml:"invite"`
		Password string       `xml:"password"`
		Status   []wireStatus `xml:"status"`
	} `xml:"http://jabber.org/protocol/muc#user x"`
	Conf *struct {
		JID      string `xml:"jid,attr"`
		Password string `xml:"password,attr"`
		Reason   string `xml:"reason,attr"`
	} `xml:"jabber:x:conference x"`
	Event *struct {
		Items []struct {
			Node    string             `xml:"node,attr"`
			Items   []wireBookmarkItem `xml:"item"`
			Retract []struct {
				ID string `xml:"id,attr"`
			} `xml:"retract"`
		} `xml:"items"`
	} `xml:"http://jabber.org/protocol/pubsub#event event"`
	Delay *struct{} `xml:"urn:xmpp:delay delay"`
}

// ParseMessage decodes a message stanza whose start element was already
// read (start is the <message> element, r reads its children and end
// element). It bounds every text and returns an error only when the XML is
// broken.
func ParseMessage(start xml.StartElement, r xml.TokenReader) (Message, error) {
	var w wireMessage
	if err := decodeStanza(start, r, &w); err != nil {
		return Message{}, err
	}
	return w.message(), nil
}

func (w *wireMessage) message() Message {
	m := Message{Type: w.Type, HasBody: len(w.Body) > 0}
	if j, err := jid.Parse(w.From); err == nil {
		m.From = j
	}
	if len(w.Subject) > 0 {
		m.HasSubject = true
		m.Subject = clip(w.Subject[0], MaxSubject)
	}
	if len(w.UserX) > 0 {
		x := w.UserX[0]
		m.Codes = statusCodes(x.Status)
		if len(x.Invite) > 0 && m.Type != "error" && m.From.Domainpart() != "" {
			inv := &Invite{
				Room:     m.From.Bare(),
				Reason:   clip(x.Invite[0].Reason, MaxReason),
				Password: clip(x.Password, MaxPassword),
			}
			if j, err := jid.Parse(x.Invite[0].From); err == nil {
				inv.From = j
			}
			m.Invite = inv
		}
	}
	if w.Conf != nil && m.Invite == nil && m.Type != "error" {
		if room, err := jid.Parse(w.Conf.JID); err == nil && room.Localpart() != "" {
			m.Invite = &Invite{
				Room:     room.Bare(),
				From:     m.From,
				Reason:   clip(w.Conf.Reason, MaxReason),
				Password: clip(w.Conf.Password, MaxPassword),
				Direct:   true,
			}
		}
	}
	// A notification with a delay replays the node's last item (ejabberd
	// sends it at subscription and with presence, having refused
	// send_last_published_item=never), possibly one removed since: it is
	// no change, and the list comes from the fetch at login.
	if w.Event != nil && w.Delay == nil {
		for _, items := range w.Event.Items {
			if items.Node != NSBookmarks {
				continue
			}
			ev := &BookmarkEvent{}
			for _, it := range items.Items {
				if len(ev.Published) == MaxItems {
					break
				}
				if b, ok := it.bookmark(); ok {
					ev.Published = append(ev.Published, b)
				}
			}
			for _, rt := range items.Retract {
				if len(ev.Retracted) == MaxItems {
					break
				}
				if j, err := jid.Parse(rt.ID); err == nil {
					ev.Retracted = append(ev.Retracted, j.Bare())
				}
			}
			m.bookmarks = ev
			break
		}
	}
	return m
}
