package account

import (
	"context"
	"encoding/xml"

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
