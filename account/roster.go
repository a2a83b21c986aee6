package account

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
)

const nsRoster = "jabber:iq:roster"

// MaxRosterSize is the largest roster result read at login, in bytes: the
// roster is the one reply that can legitimately be much larger than any
// stanza (100,000 contacts are about 10 MB; maxRoster items of 256 bytes
// are 32 MiB). It is read item by item as it streams, each text or tag in
// it still bounded by sm.MaxStanzaSize, and at most maxRoster items are
// kept. A larger result is refused like a stanza over the limit.
const MaxRosterSize = 32 << 20

// errRosterRefused marks a roster fetch answered with an error: the session
// goes on with an empty roster.
var errRosterRefused = errors.New("the server refused to send the roster")

// parseRosterQuery reads the children of a jabber:iq:roster <query/> whose
// start was just consumed, through its end. Items with a bad JID are skipped.
// The items share their subscription values and, up to maxInterned of
// them, their group names: a large roster has a few groups.
func parseRosterQuery(b *tokenBudget) ([]RosterItem, error) {
	var items []RosterItem
	groups := map[string]string{}
	level := b.depth
	for {
		tok, err := b.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return items, err
		}
		if b.depth < level {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok || b.depth != level+1 {
			continue
		}
		if se.Name.Local != "item" || se.Name.Space != nsRoster || len(items) >= maxRoster {
			if err := b.skip(); err != nil {
				return items, err
			}
			continue
		}
		it, ok, err := parseRosterItem(se, b, groups)
		if err != nil {
			return items, err
		}
		if ok {
			items = append(items, it)
		}
	}
	return items, nil
}

// maxInterned bounds the group names parseRosterQuery shares.
const maxInterned = 1024

// parseRosterItem reads one <item/> whose start was just consumed; its
// group names are taken from groups when there, else added (up to
// maxInterned).
func parseRosterItem(se xml.StartElement, b *tokenBudget, groups map[string]string) (RosterItem, bool, error) {
	j, err := jid.Parse(attr(se, "jid"))
	valid := err == nil && len(attr(se, "jid")) <= 3*1024+2
	it := RosterItem{
		Name:         clip(attr(se, "name"), maxShort),
		Subscription: subscription(attr(se, "subscription")),
		Ask:          attr(se, "ask") == "subscribe",
	}
	if valid {
		it.JID = j.Bare()
	}
	level := b.depth
	for b.depth >= level {
		tok, err := b.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return it, false, err
		}
		g, ok := tok.(xml.StartElement)
		if !ok || b.depth != level+1 {
			continue
		}
		if g.Name.Local != "group" || g.Name.Space != nsRoster {
			if err := b.skip(); err != nil {
				return it, false, err
			}
			continue
		}
		name, _, err := b.text(maxShort)
		if err != nil {
			return it, false, err
		}
		if name != "" && len(it.Groups) < maxGroups && !contains(it.Groups, name) {
			if g, ok := groups[name]; ok {
				name = g
			} else if len(groups) < maxInterned {
				groups[name] = name
			}
			it.Groups = append(it.Groups, name)
		}
	}
	return it, valid, nil
}

// subscription is s as one of the subscription values (the constant, not
// a copy of the attribute), "none" when it is none of them.
func subscription(s string) string {
	for _, v := range [...]string{"none", "to", "from", "both", "remove"} {
		if s == v {
			return v
		}
	}
	return "none"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// rosterIQ builds a roster get (item nil) or set with the given id; a get
// with versioned carries ver (XEP-0237), even empty.
func rosterIQ(id, typ string, item *RosterItem, ver string, versioned bool) xml.TokenReader {
	var payload xml.TokenReader
	if item != nil {
		attrs := []xml.Attr{{Name: xml.Name{Local: "jid"}, Value: item.JID.Bare().String()}}
		if item.Name != "" {
			attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "name"}, Value: item.Name})
		}
		if item.Subscription == "remove" {
			attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "subscription"}, Value: "remove"})
		}
		var groups []xml.TokenReader
		for _, g := range item.Groups {
			if g != "" {
				groups = append(groups, textElement("group", g))
			}
		}
		payload = xmlstream.Wrap(xmlstream.MultiReader(groups...), xml.StartElement{Name: xml.Name{Local: "item"}, Attr: attrs})
	}
	query := xml.StartElement{Name: xml.Name{Space: nsRoster, Local: "query"}}
	if versioned {
		query.Attr = []xml.Attr{{Name: xml.Name{Local: "ver"}, Value: ver}}
	}
	return xmlstream.Wrap(
		xmlstream.Wrap(payload, query),
		xml.StartElement{
			Name: xml.Name{Space: nsClient, Local: "iq"},
			Attr: []xml.Attr{{Name: xml.Name{Local: "type"}, Value: typ}, {Name: xml.Name{Local: "id"}, Value: id}},
		},
	)
}

// sendIQ sends an IQ get or set and reads its reply. On a result it calls
// read (if non-nil) with the reply's children (the reader is positioned
// after the <iq> start); on an error reply it returns the stanza error text.
// It must not be called from the stanza handler.
func sendIQ(ctx context.Context, sess *xmpp.Session, iq xml.TokenReader, read func(b *tokenBudget) error) error {
	ctx, cancel := context.WithTimeout(ctx, iqTimeout)
	defer cancel()
	resp, err := sess.SendIQ(ctx, iq)
	if err != nil {
		return err
	}
	defer resp.Close()
	tok, err := resp.Token()
	if err != nil {
		return err
	}
	start, ok := tok.(xml.StartElement)
	if !ok {
		return errors.New("malformed IQ reply")
	}
	b := &tokenBudget{r: resp}
	if attr(start, "type") == "error" {
		for {
			tok, err := b.next()
			if err != nil {
				return iqError{text: "no error condition"}
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "error" && b.depth == 1 {
				cond, text, _ := b.errorParts()
				return iqError{cond: cond, text: joinErr(cond, text)}
			}
		}
	}
	if read != nil {
		return read(b)
	}
	return nil
}

// iqError is an IQ answered with a stanza error: its defined condition
// (item-not-found, …) and the line shown.
type iqError struct{ cond, text string }

func (e iqError) Error() string { return e.text }

// fetchRoster gets the roster and emits it as a full RosterEvent. With
// roster versioning (rosterver.go) it asks for the changes since the saved
// version; an empty result means the saved roster is current.
//
// The result is the one reply allowed past the stanza limit (up to
// MaxRosterSize bytes, and maxRoster items kept): it is parsed item by item
// as it streams, each item bounded as a push is.
func (a *Account) fetchRoster(ctx context.Context, sess *xmpp.Session) error {
	ver, cached, versioned := a.rosterQueryVer(sess)
	var items []RosterItem
	found := false
	id := newID()
	defer a.sm.AllowLarge(id, MaxRosterSize)()
	err := sendIQ(ctx, sess, rosterIQ(id, "get", nil, ver, versioned), func(b *tokenBudget) error {
		b.max = -1 // bounded by MaxRosterSize and maxRoster, not by a stanza's tokens
		for {
			tok, err := b.next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			se, ok := tok.(xml.StartElement)
			if !ok || b.depth != 1 {
				continue
			}
			if se.Name.Space == nsRoster && se.Name.Local == "query" && !found {
				found = true
				ver = clip(attr(se, "ver"), maxShort)
				if items, err = parseRosterQuery(b); err != nil {
					return err
				}
				continue
			}
			if err := b.skip(); err != nil {
				return err
			}
		}
	})
	var ie iqError
	if errors.As(err, &ie) {
		a.emit(RosterEvent{Base: a.base(), Full: true})
		return fmt.Errorf("%w: %s", errRosterRefused, ie.text)
	}
	if err != nil {
		return fmt.Errorf("roster fetch: %w", err)
	}
	items = a.rosterFetched(ver, items, cached, versioned, !found)
	a.emit(RosterEvent{Base: a.base(), Full: true, Items: items})
	return nil
}

// RosterSet adds a contact or updates its name and groups (for /roster add,
// nick and group). The server answers with a roster push, which arrives as a
// RosterEvent. It fails when offline or when the server refuses.
func (a *Account) RosterSet(ctx context.Context, item RosterItem) error {
	if item.JID.Domainpart() == "" {
		return errors.New("roster item has no JID")
	}
	item.Subscription = ""
	return a.rosterSet(ctx, item)
}

// RosterRemove removes a contact from the roster (and cancels subscriptions
// both ways, as the server does on removal).
func (a *Account) RosterRemove(ctx context.Context, j jid.JID) error {
	if j.Domainpart() == "" {
		return errors.New("roster item has no JID")
	}
	return a.rosterSet(ctx, RosterItem{JID: j, Subscription: "remove"})
}

func (a *Account) rosterSet(ctx context.Context, item RosterItem) error {
	sess, err := a.online()
	if err != nil {
		return err
	}
	if err := sendIQ(ctx, sess, rosterIQ(newID(), "set", &item, "", false), nil); err != nil {
		return fmt.Errorf("roster update for %s: %w", item.JID.Bare(), err)
	}
	return nil
}
