package account

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/msg"
	"parley/omemo"
	"parley/omemo/axolotl"
	"parley/payload"
)

// seal encrypts our 1:1 message m when OMEMO is on for its conversation:
// it fetches what is missing (device lists not seen on this session, the
// bundles of devices without a session), encrypts the body to every
// trusted device of the contact and of our other devices, and keeps the
// complete stanza in m.sealed (the outbox keeps those bytes: a resend
// sends the same ciphertext). Offline, it encrypts to the sessions it
// has. It runs in the send path, never in the stanza handler.
func (a *Account) seal(ctx context.Context, m Message) (Message, error) {
	peer := m.To.Bare()
	if m.mustSeal && (a.om.mgr == nil || m.Type == "groupchat" || m.Private || m.Body == "") {
		return Message{}, errors.New("OMEMO: this message goes only encrypted, and cannot be here: not sent")
	}
	if a.om.mgr == nil || m.Type == "groupchat" || m.Private || m.Body == "" ||
		m.Reactions != nil || m.Retraction != nil || m.Marker.Kind != msg.NoMarker {
		return m, nil // only a message's text is encrypted, as Conversations does
	}
	sess, online := a.online()
	if online == nil && a.om.mode == OMEMOAutomatic && !a.explicit(peer) && !a.fetchedOn(peer, sess) {
		// automatic: does the contact have OMEMO? Asked once per session.
		fctx, cancel := reqCtx(ctx)
		_, _ = a.fetchDeviceList(fctx, sess, peer)
		cancel()
	}
	if !a.omemoOn(peer) {
		if m.mustSeal {
			return Message{}, fmt.Errorf("OMEMO is off for %s, and this message goes only encrypted: not sent", peer)
		}
		return m, nil
	}
	if online == nil {
		a.prepareSessions(ctx, sess, peer)
	}
	text := m.Body
	if m.Reply != nil {
		text = m.Quote + m.Body // the quote inside the ciphertext, no fallback range outside
	}
	e, skipped, err := a.om.mgr.Encrypt([]byte(text), peer.String())
	if errors.Is(err, omemo.ErrNoDevices) {
		return Message{}, fmt.Errorf("OMEMO is on but %s has no trusted device to encrypt to%s (/omemo devices %s; /omemo off sends in the clear)",
			peer, skippedText(skipped, peer.String()), peer)
	}
	if err != nil {
		return Message{}, fmt.Errorf("OMEMO: %w", err)
	}
	for _, s := range skipped {
		if s.JID == peer.String() && s.Device != 0 && strings.HasPrefix(s.Reason, "undecided") {
			a.emit(InfoEvent{Base: a.base(), Text: fmt.Sprintf("OMEMO: not encrypted to %s's new device %d (undecided): /omemo fingerprint %s, then /omemo trust or untrust", peer, s.Device, peer)})
		}
	}
	raw, err := encodeStanza(sealedStanza(m, e))
	if err != nil {
		return Message{}, fmt.Errorf("OMEMO: %w", err)
	}
	m.sealed, m.Encrypted = raw, true
	a.om.mu.Lock()
	delete(a.om.answer, peer.String()) // this message completes a session they started
	a.om.mu.Unlock()
	return m, nil
}

func skippedText(skipped []omemo.Skipped, peer string) string {
	var parts []string
	for _, s := range skipped {
		if s.JID == peer && s.Device != 0 {
			parts = append(parts, fmt.Sprintf("device %d: %s", s.Device, s.Reason))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// explicit reports whether the user set /omemo on|off for peer.
func (a *Account) explicit(peer jid.JID) bool {
	a.om.mu.Lock()
	defer a.om.mu.Unlock()
	_, ok := a.om.conv[peer.Bare().String()]
	return ok
}

// prepareSessions makes sure the device lists of peer and of our account
// were seen on sess, and builds a session with every device that needs
// one from its bundle. A device whose bundle cannot be fetched or read is
// left out (Encrypt reports it skipped).
func (a *Account) prepareSessions(ctx context.Context, sess *xmpp.Session, peer jid.JID) {
	ctx, cancel := reqCtx(ctx)
	defer cancel()
	for _, j := range []jid.JID{peer, a.bare} {
		if !a.fetchedOn(j, sess) {
			if _, err := a.fetchDeviceList(ctx, sess, j); err != nil && ctx.Err() == nil {
				a.emit(InfoEvent{Base: a.base(), Error: true, Text: "OMEMO: device list of " + j.String() + " not fetched: " + err.Error()})
			}
		}
	}
	a.buildSessions(ctx, sess, peer.String())
}

// buildSessions builds a session with every device of jids (and of our
// account) that needs one, from its bundle.
func (a *Account) buildSessions(ctx context.Context, sess *xmpp.Session, jids ...string) {
	for _, d := range a.om.mgr.NeedBundles(jids...) {
		j, err := jid.Parse(d.JID)
		if err != nil {
			continue
		}
		var b *axolotl.Bundle
		node := axolotl.NodeBundlePrefix + fmt.Sprint(d.Device)
		found, err := pepFetch(ctx, sess, j, node, func(se xml.StartElement, r xml.TokenReader) error {
			var perr error
			b, perr = axolotl.ParseBundle(se, r)
			return perr
		})
		if err == nil && !found {
			err = errors.New("no bundle published")
		}
		if err == nil {
			err = a.om.mgr.BuildSession(d.JID, d.Device, b)
		}
		if err != nil && ctx.Err() == nil {
			a.emit(InfoEvent{Base: a.base(), Error: true, Text: fmt.Sprintf("OMEMO: no session with %s's device %d: %v", d.JID, d.Device, err)})
		}
	}
}

// sealedStanza is our encrypted message as Conversations sends it: the
// fallback body, the origin-id, a correction's <replace/> and a reply's
// <reply/>, the <encrypted/> element, the <store/> hint, XEP-0380 EME,
// <markable/> and a receipt request.
func sealedStanza(m Message, e *axolotl.Encrypted) xml.TokenReader {
	start := xml.StartElement{
		Name: xml.Name{Space: nsClient, Local: "message"},
		Attr: []xml.Attr{
			{Name: xml.Name{Local: "type"}, Value: m.Type},
			{Name: xml.Name{Local: "to"}, Value: m.To.String()},
			{Name: xml.Name{Local: "id"}, Value: m.ID},
		},
	}
	parts := []xml.TokenReader{payload.Body(axolotl.FallbackBody), payload.OriginID(m.ID)}
	if m.Replaces != "" {
		parts = append(parts, payload.Correction(m.Replaces))
	}
	if m.Reply != nil {
		parts = append(parts, payload.Reply(*m.Reply))
	}
	parts = append(parts, e.TokenReader(), xmlstream.Wrap(nil, axolotl.StoreHint()), xmlstream.Wrap(nil, axolotl.EME()))
	if m.Markable {
		parts = append(parts, payload.Markable())
	}
	if m.Receipt {
		parts = append(parts, payload.ReceiptRequest())
	}
	return xmlstream.Wrap(xmlstream.MultiReader(parts...), start)
}

// keyTransport sends to peer an OMEMO key transport element (no
// payload): it completes the session peer started with a pre-key message,
// so that its next messages are not pre-key messages any more.
func (a *Account) keyTransport(ctx context.Context, sess *xmpp.Session, peer jid.JID) error {
	e, _, err := a.om.mgr.Encrypt(nil, peer.String())
	if err != nil {
		return err
	}
	start := xml.StartElement{
		Name: xml.Name{Space: nsClient, Local: "message"},
		Attr: []xml.Attr{
			{Name: xml.Name{Local: "type"}, Value: "chat"},
			{Name: xml.Name{Local: "to"}, Value: peer.String()},
			{Name: xml.Name{Local: "id"}, Value: newID()},
		},
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	return sess.Send(ctx, xmlstream.Wrap(xmlstream.MultiReader(e.TokenReader(), xmlstream.Wrap(nil, axolotl.StoreHint())), start))
}
