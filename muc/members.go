package muc

import (
	"context"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// MaxListed bounds the entries kept from one affiliation list.
const MaxListed = 2000

type adminReply struct {
	Query adminQuery `xml:"http://jabber.org/protocol/muc#admin query"`
}

// AffiliationList asks room for the bare JIDs with affiliation aff
// (XEP-0045 §9.5, §10.5: member, admin, owner or outcast), at most
// MaxListed of them. Rooms let owners and admins read the lists; many let
// members read them in members-only rooms; others answer forbidden (a
// stanza.Error). It waits for the reply: run it outside stanza handlers.
func AffiliationList(ctx context.Context, s *xmpp.Session, room jid.JID, aff Affiliation) ([]jid.JID, error) {
	var r adminReply
	q := adminQuery{Items: []adminItem{{Affiliation: string(aff)}}}
	if err := request(ctx, s, stanza.GetIQ, room.Bare(), q, &r); err != nil {
		return nil, err
	}
	var out []jid.JID
	for _, it := range r.Query.Items {
		if len(out) == MaxListed {
			break
		}
		if it.Affiliation != "" && it.Affiliation != string(aff) {
			continue
		}
		j, err := jid.Parse(it.JID)
		if err != nil || j.Domainpart() == "" {
			continue
		}
		out = append(out, j.Bare())
	}
	return out, nil
}
