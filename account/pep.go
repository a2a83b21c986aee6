package account

import (
	"context"
	"encoding/xml"
	"errors"
	"io"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/omemo/axolotl"
)

// PEP (XEP-0163) as OMEMO uses it: fetch the item of a node, publish one
// with publish-options, and read the device-list notifications that the
// +notify interest of our capabilities brings (caps.go).

const (
	nsPubSub        = "http://jabber.org/protocol/pubsub"
	nsPublishOpts   = "http://jabber.org/protocol/pubsub#publish-options"
	errItemNotFound = "item-not-found"
)

// pepFetch asks to for the items of node and calls parse with the payload
// of the first item (its start element, and a reader of the tokens after
// it, which parse reads to the payload's end). found is false when the
// node or item does not exist.
func pepFetch(ctx context.Context, sess *xmpp.Session, to jid.JID, node string, parse func(xml.StartElement, xml.TokenReader) error) (found bool, err error) {
	q := xmlstream.Wrap(
		xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "items"}, Attr: []xml.Attr{{Name: xml.Name{Local: "node"}, Value: node}}}),
		xml.StartElement{Name: xml.Name{Space: nsPubSub, Local: "pubsub"}},
	)
	var perr error
	err = sendIQ(ctx, sess, iqStanza("get", to, q), func(b *tokenBudget) error {
		for {
			tok, err := b.next()
			if err != nil {
				return nil // no item: found stays false
			}
			se, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			// iq > pubsub(1) > items(2) > item(3) > payload(4)
			if b.depth == 4 {
				found = true
				perr = parse(se, budgetTokens{b})
				return nil
			}
		}
	})
	if err != nil {
		if ie := (iqError{}); errors.As(err, &ie) && ie.cond == errItemNotFound {
			return false, nil
		}
		return false, err
	}
	return found, perr
}

// pepPublish publishes payload as the item id of our node, with the
// access model open (others must read OMEMO device lists and bundles). A
// server whose node was configured otherwise refuses the options
// (precondition-not-met): then it is published without them.
func pepPublish(ctx context.Context, sess *xmpp.Session, node, id string, payload func() xml.TokenReader) error {
	build := func(opts bool) xml.TokenReader {
		parts := []xml.TokenReader{xmlstream.Wrap(
			xmlstream.Wrap(payload(), xml.StartElement{Name: xml.Name{Local: "item"}, Attr: []xml.Attr{{Name: xml.Name{Local: "id"}, Value: id}}}),
			xml.StartElement{Name: xml.Name{Local: "publish"}, Attr: []xml.Attr{{Name: xml.Name{Local: "node"}, Value: node}}},
		)}
		if opts {
			parts = append(parts, publishOptions())
		}
		return iqStanza("set", jid.JID{}, xmlstream.Wrap(xmlstream.MultiReader(parts...), xml.StartElement{Name: xml.Name{Space: nsPubSub, Local: "pubsub"}}))
	}
	cond := func(err error) string {
		var ie iqError
		if errors.As(err, &ie) {
			return ie.cond
		}
		return ""
	}
	err := sendIQ(ctx, sess, build(true), nil)
	if cond(err) == errItemNotFound {
		// ejabberd 23.01 answers so, now and then, while it creates the
		// account's PEP node on a first publish: the same again succeeds.
		err = sendIQ(ctx, sess, build(true), nil)
	}
	if cond(err) == "precondition-not-met" {
		err = sendIQ(ctx, sess, build(false), nil)
	}
	return err
}

func publishOptions() xml.TokenReader {
	field := func(v, val string, hidden bool) xml.TokenReader {
		attrs := []xml.Attr{{Name: xml.Name{Local: "var"}, Value: v}}
		if hidden {
			attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "type"}, Value: "hidden"})
		}
		return xmlstream.Wrap(textElement("value", val), xml.StartElement{Name: xml.Name{Local: "field"}, Attr: attrs})
	}
	return xmlstream.Wrap(
		xmlstream.Wrap(xmlstream.MultiReader(field("FORM_TYPE", nsPublishOpts, true), field("pubsub#access_model", "open", false)),
			xml.StartElement{Name: xml.Name{Space: nsDataForm, Local: "x"}, Attr: []xml.Attr{{Name: xml.Name{Local: "type"}, Value: "submit"}}}),
		xml.StartElement{Name: xml.Name{Local: "publish-options"}},
	)
}

// errNoDeviceList: a PEP event that is not a device-list notification.
var errNoDeviceList = errors.New("not a device list event")

// ParseDeviceListEvent reads a <message/> (start, then the tokens after
// it) that may carry a PEP notification of an OMEMO device list. It
// returns the list (nil for a retraction or a purge, which empty it) and
// ok; ok is false for any other message. It reads the whole stanza,
// within the account's token budget, and never panics.
func ParseDeviceListEvent(start xml.StartElement, r xml.TokenReader) (list *axolotl.DeviceList, ok bool) {
	b := &tokenBudget{r: r}
	list, err := parseDeviceListEvent(b)
	if err != nil {
		if b.depth >= 0 {
			_ = b.drain()
		}
		return nil, false
	}
	return list, true
}

func parseDeviceListEvent(b *tokenBudget) (*axolotl.DeviceList, error) {
	var list *axolotl.DeviceList
	found := false
	for {
		tok, err := b.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case b.depth == 1 && !(se.Name.Space == nsPubSubEvent && se.Name.Local == "event"):
			if err := b.skip(); err != nil {
				return nil, err
			}
		case b.depth == 1:
			// the pubsub event: read its children
		case b.depth == 2 && (se.Name.Local == "items" || se.Name.Local == "purge"):
			if attr(se, "node") != axolotl.NodeDeviceList || found {
				if err := b.skip(); err != nil {
					return nil, err
				}
				continue
			}
			found = true
			if se.Name.Local == "purge" {
				list = &axolotl.DeviceList{}
				if err := b.skip(); err != nil {
					return nil, err
				}
			}
		case b.depth == 2:
			if err := b.skip(); err != nil {
				return nil, err
			}
		case b.depth == 3 && se.Name.Local == "retract":
			list = &axolotl.DeviceList{}
			if err := b.skip(); err != nil {
				return nil, err
			}
		case b.depth == 3 && se.Name.Local == "item":
			// read its payload at depth 4
		case b.depth == 4 && list == nil && se.Name.Space == axolotl.NS && se.Name.Local == "list":
			l, err := axolotl.ParseDeviceList(se, budgetTokens{b})
			if err != nil {
				return nil, err
			}
			list = l
		default:
			if err := b.skip(); err != nil {
				return nil, err
			}
		}
	}
	if !found || list == nil {
		return nil, errNoDeviceList
	}
	return list, nil
}
