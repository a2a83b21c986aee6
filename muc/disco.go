package muc

import (
	"context"
	"encoding/xml"
	"errors"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

type discoInfoQuery struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/disco#info query"`
}

type discoItemsQuery struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/disco#items query"`
}

type identity struct {
	Category string `xml:"category,attr"`
	Type     string `xml:"type,attr"`
	Name     string `xml:"name,attr"`
}

type discoInfoReply struct {
	Query struct {
		Identities []identity `xml:"identity"`
		Features   []struct {
			Var string `xml:"var,attr"`
		} `xml:"feature"`
		Forms []struct {
			Type   string      `xml:"type,attr"`
			Fields []formField `xml:"field"`
		} `xml:"jabber:x:data x"`
	} `xml:"http://jabber.org/protocol/disco#info query"`
}

type discoItemsReply struct {
	Query struct {
		Items []struct {
			JID string `xml:"jid,attr"`
		} `xml:"item"`
	} `xml:"http://jabber.org/protocol/disco#items query"`
}

func discoInfo(ctx context.Context, s *xmpp.Session, to jid.JID) (discoInfoReply, error) {
	var r discoInfoReply
	err := request(ctx, s, stanza.GetIQ, to, discoInfoQuery{}, &r)
	return r, err
}

// ErrNoService is returned by FindService when the server lists no
// multi-user chat service.
var ErrNoService = errors.New("muc: the server offers no group chat service")

// maxServiceProbe bounds how many disco items FindService asks about.
const maxServiceProbe = 32

// FindService returns the multi-user chat service of server: the first of
// its disco items whose identity is conference/text. The caller caches the
// answer. It waits for several IQ replies: run it outside stanza handlers.
func FindService(ctx context.Context, s *xmpp.Session, server jid.JID) (jid.JID, error) {
	var items discoItemsReply
	if err := request(ctx, s, stanza.GetIQ, server.Domain(), discoItemsQuery{}, &items); err != nil {
		return jid.JID{}, err
	}
	for i, it := range items.Query.Items {
		if i == maxServiceProbe {
			break
		}
		j, err := jid.Parse(it.JID)
		if err != nil {
			continue
		}
		info, err := discoInfo(ctx, s, j)
		if err != nil {
			if ctx.Err() != nil {
				return jid.JID{}, ctx.Err()
			}
			continue
		}
		for _, id := range info.Query.Identities {
			if id.Category == "conference" && id.Type == "text" {
				return j, nil
			}
		}
	}
	return jid.JID{}, ErrNoService
}

// Info is what a room says about itself (XEP-0045 §6.4).
type Info struct {
	Name              string
	Description       string
	Features          []string // at most MaxItems
	PasswordProtected bool     // muc_passwordprotected
	MembersOnly       bool     // muc_membersonly
	Moderated         bool     // muc_moderated
	NonAnonymous      bool     // muc_nonanonymous: occupants see real JIDs
	Persistent        bool     // muc_persistent
	Public            bool     // muc_public
	MAM               bool     // urn:xmpp:mam:2: the room keeps an archive
	Occupants         int      // muc#roominfo_occupants, -1 if not given
}

// Has reports whether the room lists the feature f.
func (i Info) Has(f string) bool {
	for _, x := range i.Features {
		if x == f {
			return true
		}
	}
	return false
}

// RoomInfo asks room about itself. A room that does not exist answers with
// an item-not-found stanza.Error. It waits for the reply: run it outside
// stanza handlers.
func RoomInfo(ctx context.Context, s *xmpp.Session, room jid.JID) (Info, error) {
	r, err := discoInfo(ctx, s, room.Bare())
	if err != nil {
		return Info{}, err
	}
	info := Info{Occupants: -1}
	for _, id := range r.Query.Identities {
		if id.Category == "conference" {
			info.Name = clip(id.Name, MaxName)
			break
		}
	}
	for _, f := range r.Query.Features {
		if len(info.Features) == MaxItems {
			break
		}
		v := clip(f.Var, MaxName)
		info.Features = append(info.Features, v)
		switch v {
		case "muc_passwordprotected":
			info.PasswordProtected = true
		case "muc_membersonly":
			info.MembersOnly = true
		case "muc_moderated":
			info.Moderated = true
		case "muc_nonanonymous":
			info.NonAnonymous = true
		case "muc_persistent":
			info.Persistent = true
		case "muc_public":
			info.Public = true
		case "urn:xmpp:mam:2":
			info.MAM = true
		}
	}
	for _, form := range r.Query.Forms {
		for _, f := range form.Fields {
			if len(f.Values) == 0 {
				continue
			}
			switch f.Var {
			case "muc#roomconfig_roomname":
				if v := clip(f.Values[0], MaxName); v != "" {
					info.Name = v
				}
			case "muc#roominfo_description":
				info.Description = clip(f.Values[0], MaxSubject)
			case "muc#roominfo_occupants":
				n := 0
				ok := len(f.Values[0]) > 0 && len(f.Values[0]) < 9
				for _, c := range []byte(f.Values[0]) {
					if c < '0' || c > '9' {
						ok = false
						break
					}
					n = n*10 + int(c-'0')
				}
				if ok {
					info.Occupants = n
				}
			}
		}
	}
	return info, nil
}

// PingResult is what a XEP-0410 self-ping says about our presence in a
// room.
type PingResult int

// Self-ping results.
const (
	PingUnknown   PingResult = iota // no decision (timeout, remote server unreachable): try again later
	PingJoined                      // we are still in the room
	PingNotJoined                   // we are out: rejoin
)

// String returns a short word for the result.
func (p PingResult) String() string {
	switch p {
	case PingJoined:
		return "joined"
	case PingNotJoined:
		return "not joined"
	}
	return "unknown"
}

type pingQuery struct {
	XMLName xml.Name `xml:"urn:xmpp:ping ping"`
}

// SelfPing pings our own occupant JID (room@service/ournick) to learn
// whether we are still in the room (XEP-0410). The error is the raw reply
// error, if any, for logging; the result is already classified. Give ctx a
// timeout: a ping that times out is PingUnknown. It waits for the reply:
// run it outside stanza handlers.
func SelfPing(ctx context.Context, s *xmpp.Session, occupant jid.JID) (PingResult, error) {
	err := request(ctx, s, stanza.GetIQ, occupant, pingQuery{}, nil)
	return ClassifyPing(err), err
}

// ClassifyPing classifies the outcome of a self-ping as XEP-0410 §3.2 says:
// a result, service-unavailable or feature-not-implemented (our client got
// the ping and does not do pings) and item-not-found (the nick was just
// changed by another client of ours) mean joined; remote-server-not-found,
// remote-server-timeout and no answer at all decide nothing; any other error
// means we are no longer in the room.
func ClassifyPing(err error) PingResult {
	if err == nil {
		return PingJoined
	}
	var se stanza.Error
	if !errors.As(err, &se) {
		return PingUnknown // timeout, connection lost
	}
	switch se.Condition {
	case stanza.ServiceUnavailable, stanza.FeatureNotImplemented, stanza.ItemNotFound:
		return PingJoined
	case stanza.RemoteServerNotFound, stanza.RemoteServerTimeout:
		return PingUnknown
	}
	return PingNotJoined
}
