package account

import (
	"context"
	"encoding/xml"
	"errors"
	"io"

	"mellium.im/xmpp/jid"

	"parley/vcard"
)

// PublishNick publishes nick as our XEP-0172 user nickname (PEP node
// http://jabber.org/protocol/nick, open access); an empty nick says we
// have none.
func (a *Account) PublishNick(ctx context.Context, nick string) error {
	sess, err := a.online()
	if err != nil {
		return err
	}
	return pepPublish(ctx, sess, vcard.NSNick, vcard.Item4, func() xml.TokenReader { return vcard.NickElem(nick) })
}

// NickEvent is a contact's (or our own) XEP-0172 nickname, as its PEP
// notification said: untrusted, a name to show at most, never an address.
// An empty Nick says it has none any more.
type NickEvent struct {
	Base
	From jid.JID // bare JID whose nickname it is: the notification's sender
	Nick string
}

// errNoNick: a PEP event that is not a nickname notification.
var errNoNick = errors.New("not a nickname event")

// ParseNickEvent reads a <message/> (start, then the tokens after it) that
// may carry a PEP notification of a XEP-0172 nickname. It returns the
// nickname (empty for a retraction, a purge or an empty <nick/>) and ok;
// ok is false for any other message. It reads the whole stanza, within
// the account's token budget, and never panics.
func ParseNickEvent(start xml.StartElement, r xml.TokenReader) (nick string, ok bool) {
	b := &tokenBudget{r: r}
	nick, err := parseNickEvent(b)
	if err != nil {
		if b.depth >= 0 {
			_ = b.drain()
		}
		return "", false
	}
	return nick, true
}

func parseNickEvent(b *tokenBudget) (string, error) {
	nick, found := "", false
	for {
		tok, err := b.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case b.depth == 1 && se.Name == xml.Name{Space: nsPubSubEvent, Local: "event"}:
			// read its children
		case b.depth == 2 && (se.Name.Local == "items" || se.Name.Local == "purge") && attr(se, "node") == vcard.NSNick && !found:
			found = true
			if se.Name.Local == "purge" {
				if err := b.skip(); err != nil {
					return "", err
				}
			}
		case b.depth == 3 && se.Name.Local == "item" && found:
			nick = "" // the last item counts
		case b.depth == 4 && found:
			n, err := vcard.ParseNick(se, budgetTokens{b})
			if err != nil {
				return "", err
			}
			nick = n
		default: // another node, a retract (then no nick), anything else
			if err := b.skip(); err != nil {
				return "", err
			}
		}
	}
	if !found {
		return "", errNoNick
	}
	return nick, nil
}

// nickFrom reports whether a nickname notification from j is taken: from
// a contact (a roster item) or our own account. Anyone can send a message
// that looks like one; a stranger's would name a window of its own.
func (a *Account) nickFrom(j jid.JID) bool {
	if j.Bare().Equal(a.bare) {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.contacts.has(j.Bare().String())
}

// parseSubscribeNick reads the children of a subscription presence for a
// XEP-0172 <nick/> (§4.1: a request may say who asks), draining the rest.
func parseSubscribeNick(b *tokenBudget) (string, error) {
	nick := ""
	level := b.depth
	for {
		tok, err := b.next()
		if err == io.EOF {
			return nick, nil
		}
		if err != nil {
			return "", err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || b.depth != level+1 {
			continue
		}
		if se.Name == (xml.Name{Space: vcard.NSNick, Local: "nick"}) && nick == "" {
			if nick, err = vcard.ParseNick(se, budgetTokens{b}); err != nil {
				return "", err
			}
			continue
		}
		if err := b.skip(); err != nil {
			return "", err
		}
	}
}

// ownNick is the nickname our subscription requests carry: the
// configured one.
func (a *Account) ownNick() string { return a.cfg.Nickname }

// publishConfiguredNick publishes the configured nickname at login when
// the one published differs (an edit made elsewhere is replaced: the
// config says what it is).
func (a *Account) publishConfiguredNick(ctx context.Context) {
	nick := a.cfg.Nickname
	if nick == "" {
		return
	}
	var have string
	_ = a.query(ctx, "get", a.bare, pubsubItems(vcard.NSNick), func(_ xml.StartElement, r xml.TokenReader) error {
		_, err := pepItem(r, func(se xml.StartElement, r xml.TokenReader) (err error) {
			have, err = vcard.ParseNick(se, r)
			return err
		})
		return err
	})
	if have == nick {
		return
	}
	if err := a.PublishNick(ctx, nick); err != nil {
		a.emitInfoUnlessDone(ctx, "nickname: cannot publish it (XEP-0172): "+err.Error())
	}
}
