package account

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"

	"parley/caps"
	"parley/internal/jidcache"
	"parley/vcard"
)

// presenceIn is a parsed incoming presence: either a PresenceEvent or a
// SubscriptionEvent (or nothing, for probes and malformed stanzas).
type presenceIn struct {
	presence *PresenceEvent
	sub      *SubscriptionEvent
}

// ParsePresence reads one <presence/> stanza (start, then the tokens after
// it up to its end element) into a PresenceEvent (available, unavailable,
// error) or a SubscriptionEvent (subscribe, subscribed, unsubscribe,
// unsubscribed); both are nil for probes and unknown types. It never panics
// and always consumes the element unless r fails.
func ParsePresence(start xml.StartElement, r xml.TokenReader, account jid.JID) (*PresenceEvent, *SubscriptionEvent, error) {
	return parsePresenceCached(start, r, account, nil)
}

// parsePresenceCached is ParsePresence with the account's address cache.
func parsePresenceCached(start xml.StartElement, r xml.TokenReader, account jid.JID, jids *jidcache.Cache) (*PresenceEvent, *SubscriptionEvent, error) {
	b := &tokenBudget{r: r}
	p, err := parsePresence(start, b, account, jids)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			if derr := b.drain(); derr != nil {
				return nil, nil, derr
			}
		}
		return nil, nil, err
	}
	return p.presence, p.sub, nil
}

func parsePresence(start xml.StartElement, b *tokenBudget, account jid.JID, jids *jidcache.Cache) (presenceIn, error) {
	from, err := parseAddr(attr(start, "from"), account, jids)
	if err != nil {
		return presenceIn{}, fmt.Errorf("bad from: %w", err)
	}
	typ := attr(start, "type")
	switch typ {
	case "subscribe", "subscribed", "unsubscribe", "unsubscribed":
		nick, err := parseSubscribeNick(b) // XEP-0172 §4.1 (nick.go)
		if err != nil {
			return presenceIn{}, err
		}
		if typ != "subscribe" {
			nick = ""
		}
		return presenceIn{sub: &SubscriptionEvent{Base: Base{Account: account}, From: from.Bare(), Type: typ, Nick: nick}}, nil
	case "", "unavailable", "error":
	default: // probe or unknown: nothing to report
		return presenceIn{}, b.drain()
	}
	p := &PresenceEvent{Base: Base{Account: account}, From: from, Available: typ == "", Show: ShowOnline}
	if typ == "unavailable" || typ == "error" {
		p.Show = ShowOffline
	}
	level := b.depth
	for {
		tok, err := b.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return presenceIn{}, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || b.depth != level+1 {
			continue
		}
		if !isClientNS(se.Name.Space, start.Name.Space) {
			if c, ok := caps.FromStart(se); ok && p.Available {
				p.Caps = c
			}
			if err := b.skip(); err != nil {
				return presenceIn{}, err
			}
			continue
		}
		switch se.Name.Local {
		case "show":
			s, _, err := b.text(maxShort)
			if err != nil {
				return presenceIn{}, err
			}
			if p.Available {
				switch Show(strings.TrimSpace(s)) {
				case ShowChat, ShowAway, ShowXA, ShowDND:
					p.Show = Show(strings.TrimSpace(s))
				}
			}
		case "status":
			s, cut, err := b.text(maxStatus)
			if err != nil {
				return presenceIn{}, err
			}
			if p.Status == "" {
				p.Status = s
				if cut {
					p.Status += TruncatedMarker
				}
			}
		case "priority":
			s, _, err := b.text(maxShort)
			if err != nil {
				return presenceIn{}, err
			}
			if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 8); err == nil {
				p.Priority = int8(n)
			}
		case "error":
			text, err := b.errorText()
			if err != nil {
				return presenceIn{}, err
			}
			if typ == "error" && p.Err == "" {
				p.Err = text
			}
		default:
			if err := b.skip(); err != nil {
				return presenceIn{}, err
			}
		}
	}
	if typ == "error" && p.Err == "" {
		p.Err = "unknown error"
	}
	return presenceIn{presence: p}, nil
}

// presenceStanza builds our available presence.
// extra are more children (our capabilities).
func presenceStanza(show Show, status string, priority int8, extra ...xml.TokenReader) xml.TokenReader {
	var inner []xml.TokenReader
	if show != ShowOnline && show != ShowOffline {
		inner = append(inner, textElement("show", string(show)))
	}
	if status != "" {
		inner = append(inner, textElement("status", status))
	}
	inner = append(inner, textElement("priority", strconv.Itoa(int(priority))))
	inner = append(inner, extra...)
	return xmlstream.Wrap(xmlstream.MultiReader(inner...), xml.StartElement{Name: xml.Name{Space: nsClient, Local: "presence"}})
}

// unavailableStanza builds the presence sent when we go offline.
func unavailableStanza() xml.TokenReader {
	return xmlstream.Wrap(nil, xml.StartElement{
		Name: xml.Name{Space: nsClient, Local: "presence"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "type"}, Value: "unavailable"}},
	})
}

func textElement(name, text string) xml.TokenReader {
	return xmlstream.Wrap(xmlstream.Token(xml.CharData(text)), xml.StartElement{Name: xml.Name{Local: name}})
}

// SetPresence sets our show and status (with the configured priority) and
// sends it when online. The choice is remembered and sent again at the next
// login, so it can be called while offline.
func (a *Account) SetPresence(ctx context.Context, show Show, status string) error {
	switch show {
	case ShowOnline, ShowChat, ShowAway, ShowXA, ShowDND:
	default:
		return fmt.Errorf("presence %q: use online, chat, away, xa or dnd", string(show))
	}
	a.mu.Lock()
	a.show, a.status = show, status
	a.mu.Unlock()
	a.emit(OwnPresenceEvent{Base: a.base(), Show: show, Status: status})
	sess, err := a.online()
	if err != nil {
		return nil // remembered for the next login
	}
	if err := sess.Send(ctx, presenceStanza(show, status, a.cfg.Priority, a.capsElem())); err != nil {
		return err
	}
	a.roomsPresence(ctx, sess, show, status)
	return nil
}

// Subscription sends a presence of type subscribe, subscribed, unsubscribe
// or unsubscribed to the bare JID to (for /sub). It fails when offline.
func (a *Account) Subscription(ctx context.Context, to jid.JID, typ string) error {
	switch typ {
	case "subscribe", "subscribed", "unsubscribe", "unsubscribed":
	default:
		return fmt.Errorf("subscription %q: use subscribe, subscribed, unsubscribe or unsubscribed", typ)
	}
	if to.Domainpart() == "" {
		return errors.New("subscription has no contact")
	}
	sess, err := a.online()
	if err != nil {
		return err
	}
	var payload xml.TokenReader
	if nick := a.ownNick(); typ == "subscribe" && nick != "" {
		payload = vcard.NickElem(nick) // who asks (XEP-0172 §4.1)
	}
	return sess.Send(ctx, xmlstream.Wrap(payload, xml.StartElement{
		Name: xml.Name{Space: nsClient, Local: "presence"},
		Attr: []xml.Attr{
			{Name: xml.Name{Local: "to"}, Value: to.Bare().String()},
			{Name: xml.Name{Local: "type"}, Value: typ},
		},
	}))
}
