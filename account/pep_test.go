package account

import (
	"encoding/xml"
	"slices"
	"strings"
	"testing"
)

// TestParseDeviceListEvent reads device-list notifications as servers
// send them.
func TestParseDeviceListEvent(t *testing.T) {
	for _, tc := range []struct {
		name, xml string
		ok        bool
		ids       []uint32
	}{
		{"prosody", `<message type='headline' from='bob@localhost' id='x' to='alice@localhost/parley' xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='eu.siacs.conversations.axolotl.devicelist'><item id='current' publisher='bob@localhost'><list xmlns='eu.siacs.conversations.axolotl'><device id='1'/><device id='22' label='x'/></list></item></items></event></message>`, true, []uint32{1, 22}},
		{"addresses", `<message from='bob@localhost' to='alice@localhost/parley' xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='eu.siacs.conversations.axolotl.devicelist'><item id='current'><list xmlns='eu.siacs.conversations.axolotl'><device id='7'/></list></item></items></event><addresses xmlns='http://jabber.org/protocol/address'><address type='replyto' jid='bob@localhost/r'/></addresses></message>`, true, []uint32{7}},
		{"retract", `<message from='bob@localhost' xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='eu.siacs.conversations.axolotl.devicelist'><retract id='current'/></items></event></message>`, true, nil},
		{"other node", `<message from='bob@localhost' xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:avatar:metadata'><item id='a'/></items></event></message>`, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := xml.NewDecoder(strings.NewReader(tc.xml))
			tok, _ := d.Token()
			list, ok := ParseDeviceListEvent(tok.(xml.StartElement), d)
			if ok != tc.ok {
				t.Fatalf("ok %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			var ids []uint32
			for _, dv := range list.Devices {
				ids = append(ids, dv.ID)
			}
			if !slices.Equal(ids, tc.ids) {
				t.Errorf("ids %v, want %v", ids, tc.ids)
			}
		})
	}
}

// FuzzParseDeviceListEvent: no panic, no hang, on any message.
func FuzzParseDeviceListEvent(f *testing.F) {
	f.Add(`<message xmlns='jabber:client' from='bob@localhost'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='eu.siacs.conversations.axolotl.devicelist'><item id='current'><list xmlns='eu.siacs.conversations.axolotl'><device id='1'/></list></item></items></event></message>`)
	f.Add(`<message><event xmlns='http://jabber.org/protocol/pubsub#event'><purge node='eu.siacs.conversations.axolotl.devicelist'/></event></message>`)
	f.Fuzz(func(t *testing.T, s string) {
		d := xml.NewDecoder(strings.NewReader(s))
		tok, err := d.Token()
		if err != nil {
			return
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			return
		}
		if list, ok := ParseDeviceListEvent(start, d); ok && list == nil {
			t.Fatal("ok with no list")
		}
	})
}
