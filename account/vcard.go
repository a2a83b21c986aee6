package account

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"

	"parley/vcard"
)

// vCards: vCard4 in PEP (XEP-0292), vcard-temp (XEP-0054) where there is
// none, and the user nickname of XEP-0172 (nick.go). Asked from the
// caller's goroutine, never from the stanza handler.

// ErrNoVCard is the error of VCard for an entity that has none.
var ErrNoVCard = errors.New("no vCard")

// VCard asks for j's vCard (zero: ours): its vCard4 PEP item, else its
// vcard-temp. A full JID (a room occupant) is asked for vcard-temp only:
// PEP belongs to accounts. The answer must come from j.
func (a *Account) VCard(ctx context.Context, j jid.JID) (vcard.Card, error) {
	if j.String() == "" {
		j = a.bare
	}
	var err4 error
	if j.Resourcepart() == "" {
		c, found, err := a.vcard4(ctx, j)
		switch {
		case err == nil && found:
			return c, nil
		case err != nil && !isCond(err, errItemNotFound):
			err4 = err
		}
	}
	c, err := a.vcardTemp(ctx, j)
	switch {
	case err == nil && c.Empty() && !c.Cut:
		return c, ErrNoVCard
	case err == nil:
		return c, nil
	case isCond(err, errItemNotFound) || isCond(err, "service-unavailable") && err4 == nil:
		return c, ErrNoVCard
	case err4 != nil:
		return c, fmt.Errorf("vCard4: %v; vcard-temp: %w", err4, err)
	}
	return c, err
}

// isCond reports whether err is a stanza error of condition cond.
func isCond(err error, cond string) bool {
	var ie iqError
	return errors.As(err, &ie) && ie.cond == cond
}

// pubsubItems is a PEP items request of node (the last item only).
func pubsubItems(node string) xml.TokenReader {
	return xmlstream.Wrap(
		xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "items"}, Attr: []xml.Attr{{Name: xml.Name{Local: "node"}, Value: node}, {Name: xml.Name{Local: "max_items"}, Value: "1"}}}),
		xml.StartElement{Name: xml.Name{Space: nsPubSub, Local: "pubsub"}},
	)
}

// pepItem reads the payload of the first item of a pubsub items answer
// (start is its <pubsub/>) with parse; found is false when it has none.
func pepItem(r xml.TokenReader, parse func(xml.StartElement, xml.TokenReader) error) (found bool, err error) {
	depth := 0 // below <pubsub/>
	for {
		tok, err := r.Token()
		if tok == nil {
			return false, nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 3 { // items(1) > item(2) > payload(3)
				return true, parse(t, r)
			}
		case xml.EndElement:
			depth--
			if depth < 0 {
				return false, nil
			}
		}
		if err != nil {
			return false, err
		}
	}
}

// vcard4 asks for j's vCard4 PEP item.
func (a *Account) vcard4(ctx context.Context, j jid.JID) (c vcard.Card, found bool, err error) {
	err = a.query(ctx, "get", j, pubsubItems(vcard.Node4), func(_ xml.StartElement, r xml.TokenReader) error {
		var perr error
		found, perr = pepItem(r, func(se xml.StartElement, r xml.TokenReader) (err error) {
			c, err = vcard.Parse(se, r)
			return err
		})
		return perr
	})
	if errors.Is(err, errEmptyAnswer) {
		return c, false, nil // <iq type='result'/>: no node
	}
	return c, found, err
}

// vcardTemp asks for j's vcard-temp.
func (a *Account) vcardTemp(ctx context.Context, j jid.JID) (c vcard.Card, err error) {
	c = vcard.New(vcard.Temp)
	q := xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: vcard.NSTemp, Local: "vCard"}})
	err = a.ownQuery(ctx, "get", j, q, func(se xml.StartElement, r xml.TokenReader) (err error) {
		c, err = vcard.Parse(se, r)
		return err
	})
	if errors.Is(err, errEmptyAnswer) {
		return vcard.New(vcard.Temp), nil // some servers answer an empty result for none
	}
	return c, err
}

// ownQuery is query, but a query of our own account goes without a to
// (XEP-0054 asks so; ejabberd answers vcard-temp to our bare JID with
// another, empty, card).
func (a *Account) ownQuery(ctx context.Context, typ string, j jid.JID, payload xml.TokenReader, read func(xml.StartElement, xml.TokenReader) error) error {
	if !j.Equal(a.bare) {
		return a.query(ctx, typ, j, payload, read)
	}
	sess, err := a.online()
	if err != nil {
		return err
	}
	return checkedIQ(ctx, sess, a.bare, typ, jid.JID{}, payload, read)
}

// SetVCard sets field of our vCard to value (empty: removes it), keeping
// every other property: it reads our vCard4, edits and publishes it (PEP,
// open access: vcard-temp is public too), then reads our vcard-temp back:
// a server that keeps the two in step (Prosody's mod_vcard_legacy) shows
// the change there already, and vcard-temp is left to it (storing it too
// would have the server map it back onto the vCard4, losing what vcard-temp
// cannot say); otherwise (ejabberd) our vcard-temp is edited and stored as
// well. No disco feature says which: urn:xmpp:pep-vcard-conversion:0 is
// XEP-0398's avatar conversion, and ejabberd 23.01 announces it without
// mapping vCard4. A nickname is published as our XEP-0172 nick too. It
// returns the vCard4 as published.
func (a *Account) SetVCard(ctx context.Context, field vcard.Field, value string) (vcard.Card, error) {
	sess, err := a.online()
	if err != nil {
		return vcard.Card{}, err
	}
	c4, found, err := a.vcard4(ctx, a.bare)
	if err != nil && !isCond(err, errItemNotFound) {
		return vcard.Card{}, fmt.Errorf("cannot read our vCard4: %w", err)
	}
	temp, err := a.vcardTemp(ctx, a.bare)
	if err != nil && !isCond(err, errItemNotFound) && !isCond(err, "service-unavailable") {
		return vcard.Card{}, fmt.Errorf("cannot read our vcard-temp: %w", err)
	}
	haveTemp := err == nil && !temp.Empty()
	if !found {
		c4 = vcard.New(vcard.VCard4)
		if haveTemp {
			c4 = vcard.Convert(temp, vcard.VCard4) // the start of our vCard4: what vcard-temp said
		}
	}
	if err := c4.Set(field, value); err != nil {
		return vcard.Card{}, err
	}
	if _, err := c4.Elem(); err != nil {
		return vcard.Card{}, err
	}
	elem4 := func() xml.TokenReader { r, _ := c4.Elem(); return r }
	if err := pepPublish(ctx, sess, vcard.Node4, vcard.Item4, elem4); err != nil {
		return vcard.Card{}, fmt.Errorf("cannot publish our vCard4: %w", err)
	}
	if after, err := a.vcardTemp(ctx, a.bare); err != nil || !shows(after, field, value) {
		if !haveTemp {
			temp = vcard.Convert(c4, vcard.Temp)
		} else if err := temp.Set(field, value); err != nil {
			return c4, fmt.Errorf("vCard4 published; vcard-temp not changed: %w", err)
		}
		r, err := temp.Elem()
		if err == nil {
			err = a.ownQuery(ctx, "set", a.bare, r, nil)
		}
		if err != nil && !isCond(err, "service-unavailable") && !isCond(err, "feature-not-implemented") {
			return c4, fmt.Errorf("vCard4 published; vcard-temp not stored: %w", err)
		}
	}
	if field == vcard.FieldNickname {
		if err := a.PublishNick(ctx, value); err != nil {
			return c4, fmt.Errorf("vCard published; nickname (XEP-0172) not: %w", err)
		}
	}
	return c4, nil
}

// shows reports whether card c has field set to value.
func shows(c vcard.Card, field vcard.Field, value string) bool {
	switch field {
	case vcard.FieldFN:
		return c.FN == value
	case vcard.FieldNickname:
		return c.Nickname == value
	case vcard.FieldEmail:
		if value == "" {
			return len(c.Emails) == 0
		}
		return len(c.Emails) > 0 && c.Emails[0].Text == value
	}
	return false
}
