package muc

import (
	"context"
	"encoding/xml"
	"errors"
	"maps"
	"slices"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

type adminItem struct {
	Nick        string `xml:"nick,attr,omitempty"`
	JID         string `xml:"jid,attr,omitempty"`
	Role        string `xml:"role,attr,omitempty"`
	Affiliation string `xml:"affiliation,attr,omitempty"`
	Reason      string `xml:"reason,omitempty"`
}

type adminQuery struct {
	XMLName xml.Name    `xml:"http://jabber.org/protocol/muc#admin query"`
	Items   []adminItem `xml:"item"`
}

// SetRole changes the role of the occupant nick in room (XEP-0045 §8:
// voice, moderator; RoleNone kicks). It waits for the room's answer: run it
// outside stanza handlers.
func SetRole(ctx context.Context, s *xmpp.Session, room jid.JID, nick string, role Role, reason string) error {
	if nick == "" || !role.Valid() {
		return errors.New("muc: a nick and one of the roles moderator, participant, visitor, none are needed")
	}
	q := adminQuery{Items: []adminItem{{Nick: nick, Role: string(role), Reason: reason}}}
	return request(ctx, s, stanza.SetIQ, room.Bare(), q, nil)
}

// Kick removes the occupant nick from room (role none).
func Kick(ctx context.Context, s *xmpp.Session, room jid.JID, nick, reason string) error {
	return SetRole(ctx, s, room, nick, RoleNone, reason)
}

// SetAffiliation changes the affiliation of user (reduced to a bare JID)
// with room (XEP-0045 §9, §10: member, admin, owner, none; AffOutcast
// bans).
func SetAffiliation(ctx context.Context, s *xmpp.Session, room, user jid.JID, aff Affiliation, reason string) error {
	if user.Domainpart() == "" || !aff.Valid() {
		return errors.New("muc: a JID and one of the affiliations owner, admin, member, none, outcast are needed")
	}
	q := adminQuery{Items: []adminItem{{JID: user.Bare().String(), Affiliation: string(aff), Reason: reason}}}
	return request(ctx, s, stanza.SetIQ, room.Bare(), q, nil)
}

// Ban bans user from room (affiliation outcast).
func Ban(ctx context.Context, s *xmpp.Session, room, user jid.JID, reason string) error {
	return SetAffiliation(ctx, s, room, user, AffOutcast, reason)
}

type dataForm struct {
	XMLName xml.Name    `xml:"jabber:x:data x"`
	Type    string      `xml:"type,attr"`
	Fields  []formField `xml:"field"`
}

type formField struct {
	Var    string   `xml:"var,attr"`
	Type   string   `xml:"type,attr,omitempty"`
	Values []string `xml:"value"`
}

type ownerQuery struct {
	XMLName xml.Name  `xml:"http://jabber.org/protocol/muc#owner query"`
	X       *dataForm `xml:",omitempty"`
	Destroy *struct {
		JID      string `xml:"jid,attr,omitempty"`
		Reason   string `xml:"reason,omitempty"`
		Password string `xml:"password,omitempty"`
	} `xml:"destroy,omitempty"`
}

// CreateInstant accepts the service's default configuration for a room we
// just created (our join came back with status 201, see
// SelfJoined.Created), which unlocks it (XEP-0045 §10.1.2).
func CreateInstant(ctx context.Context, s *xmpp.Session, room jid.JID) error {
	q := ownerQuery{X: &dataForm{Type: "submit"}}
	return request(ctx, s, stanza.SetIQ, room.Bare(), q, nil)
}

// Destroy destroys room (we must be its owner), telling the occupants
// reason and, if alternate is not zero, a room to go to instead.
func Destroy(ctx context.Context, s *xmpp.Session, room jid.JID, reason string, alternate jid.JID) error {
	q := ownerQuery{}
	q.Destroy = &struct {
		JID      string `xml:"jid,attr,omitempty"`
		Reason   string `xml:"reason,omitempty"`
		Password string `xml:"password,omitempty"`
	}{Reason: reason}
	if alternate.Domainpart() != "" {
		q.Destroy.JID = alternate.Bare().String()
	}
	return request(ctx, s, stanza.SetIQ, room.Bare(), q, nil)
}

// Configure submits room configuration fields (XEP-0045 §10.2, form type
// muc#roomconfig), for example "muc#roomconfig_passwordprotectedroom":
// {"1"} and "muc#roomconfig_roomsecret": {"secret"}. Fields not given keep
// their value. We must be the room's owner.
func Configure(ctx context.Context, s *xmpp.Session, room jid.JID, fields map[string][]string) error {
	form := &dataForm{Type: "submit", Fields: []formField{
		{Var: "FORM_TYPE", Type: "hidden", Values: []string{"http://jabber.org/protocol/muc#roomconfig"}},
	}}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		form.Fields = append(form.Fields, formField{Var: k, Values: fields[k]})
	}
	return request(ctx, s, stanza.SetIQ, room.Bare(), ownerQuery{X: form}, nil)
}
