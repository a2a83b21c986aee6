package muc

import (
	"context"
	"encoding/xml"
	"io"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// tokens replays a slice of tokens.
type tokens []xml.Token

func (t *tokens) Token() (xml.Token, error) {
	if len(*t) == 0 {
		return nil, io.EOF
	}
	tok := (*t)[0]
	*t = (*t)[1:]
	return tok, nil
}

type iqEnvelope struct {
	Type  string        `xml:"type,attr"`
	Error *stanza.Error `xml:"error"`
}

// request sends an IQ of type typ to to (zero: our own account) with
// payload, waits for the reply and decodes the reply's <iq/> element into
// out (a struct whose fields name the children of the reply), if out is not
// nil. An error reply is returned as a stanza.Error.
//
// It waits for the reply: never call it from a stanza handler.
func request(ctx context.Context, s *xmpp.Session, typ stanza.IQType, to jid.JID, payload any, out any) error {
	resp, err := s.SendIQ(ctx, stanza.IQ{Type: typ, To: to}.Wrap(encode(payload)))
	if err != nil {
		return err
	}
	defer resp.Close()
	all, err := xmlstream.ReadAll(resp)
	if err != nil {
		return err
	}
	return decodeReply(all, out)
}

// decodeReply decodes a whole IQ reply held as tokens.
func decodeReply(all []xml.Token, out any) error {
	t := tokens(all)
	var env iqEnvelope
	if err := xml.NewTokenDecoder(&t).Decode(&env); err != nil {
		return err
	}
	if env.Type == string(stanza.ErrorIQ) {
		if env.Error == nil {
			return stanza.Error{Type: stanza.Cancel, Condition: stanza.UndefinedCondition}
		}
		return *env.Error
	}
	if out == nil {
		return nil
	}
	t = tokens(all)
	return xml.NewTokenDecoder(&t).Decode(out)
}
