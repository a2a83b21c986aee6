package account

import (
	"context"
	"encoding/xml"

	"mellium.im/xmpp/jid"

	"parley/adhoc"
	"parley/entity"
)

// Commands lists the ad-hoc commands (XEP-0050) that j offers (empty: our
// server): its disco#items on the commands node, each item a command's
// address, node and name.
func (a *Account) Commands(ctx context.Context, j jid.JID) (entity.Items, error) {
	return a.DiscoItems(ctx, j, adhoc.NS)
}

// Command sends one ad-hoc command request to j (the address of the
// command's item) and returns the response: the next stage, or the
// command completed or cancelled. The answer must come from j.
func (a *Account) Command(ctx context.Context, j jid.JID, req adhoc.Request) (*adhoc.Response, error) {
	var resp *adhoc.Response
	err := a.query(ctx, "set", j, req.TokenReader(), func(se xml.StartElement, r xml.TokenReader) (err error) {
		resp, err = adhoc.Parse(r, se)
		return err
	})
	return resp, err
}
