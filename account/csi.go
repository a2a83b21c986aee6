package account

import (
	"context"
	"encoding/xml"
	"sync"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
)

// nsCSI is XEP-0352 client state indication.
const nsCSI = "urn:xmpp:csi:0"

// csiState is client state indication's part of an Account, guarded by
// Account.mu.
type csiState struct {
	sendMu   sync.Mutex // one sendCSI at a time, so states reach the server in order (not guarded by Account.mu)
	offered  bool       // the server advertised urn:xmpp:csi:0 on this connection
	inactive bool       // what the user wants: inactive after idling
	sent     bool       // the inactive state the server knows for this session
}

// csiFeature is an informational stream feature: it notes whether the
// server offers client state indication; there is nothing to negotiate.
func (a *Account) csiFeature() xmpp.StreamFeature {
	return xmpp.StreamFeature{
		Name:       xml.Name{Space: nsCSI, Local: "csi"},
		Necessary:  xmpp.Authn,
		Prohibited: xmpp.Ready,
		List: func(_ context.Context, e xmlstream.TokenWriter, start xml.StartElement) (bool, error) {
			if err := e.EncodeToken(start); err != nil {
				return false, err
			}
			return false, e.EncodeToken(start.End())
		},
		Parse: func(_ context.Context, d *xml.Decoder, _ *xml.StartElement) (bool, interface{}, error) {
			a.mu.Lock()
			a.csi.offered = true
			a.mu.Unlock()
			return false, nil, d.Skip()
		},
	}
}

// SetActive tells the server whether the user is active (XEP-0352): while
// inactive, a server that supports it holds back presence updates and
// other unimportant traffic. The UI calls it after some minutes without a
// key press (false) and on the next key press (true). The state is kept
// across reconnects and sent after each login; servers without client
// state indication are not told. It does not block.
func (a *Account) SetActive(active bool) {
	a.mu.Lock()
	a.csi.inactive = !active
	a.mu.Unlock()
	go a.sendCSI(context.Background())
}

// Active reports the client state last set with SetActive (true initially).
func (a *Account) Active() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return !a.csi.inactive
}

// sendCSI sends <active/> or <inactive/> if the server offers client state
// indication, the account is online and the server's idea differs.
func (a *Account) sendCSI(ctx context.Context) {
	a.csi.sendMu.Lock()
	defer a.csi.sendMu.Unlock()
	a.mu.Lock()
	sess, want := a.sess, a.csi.inactive
	ok := sess != nil && a.state == Online && a.csi.offered && a.csi.sent != want && !a.closing
	a.mu.Unlock()
	if !ok {
		return
	}
	name := "active"
	if want {
		name = "inactive"
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	if sess.Send(ctx, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsCSI, Local: name}})) != nil {
		return
	}
	a.mu.Lock()
	if a.sess == sess {
		a.csi.sent = want
	}
	a.mu.Unlock()
}

// csiConnecting forgets the last connection's offer before a new one
// lists its features.
func (a *Account) csiConnecting() {
	a.mu.Lock()
	a.csi.offered = false
	a.mu.Unlock()
}

// csiFresh records that a new (not resumed) session starts active.
func (a *Account) csiFresh() {
	a.mu.Lock()
	a.csi.sent = false
	a.mu.Unlock()
}
