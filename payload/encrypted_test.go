package payload

import (
	"strings"
	"testing"

	"parley/omemo/axolotl"
)

const convEncrypted = `<encrypted xmlns="eu.siacs.conversations.axolotl"><header sid="1473204133"><key prekey="true" rid="919284373">MwhB</key><key rid="5">Mwg=</key><iv>` +
	"\n  AAAAAAAAAAAAAAAA\n" + `</iv></header><payload>qqqq</payload></encrypted>`

// TestParseEncrypted: the <encrypted/> element is captured as it came, in
// a live message and inside a carbon, reads back with the OMEMO parser,
// and an oversized one is marked cut and kept out.
func TestParseEncrypted(t *testing.T) {
	reg := Default()
	for _, tc := range []struct {
		name, stanza string
		nested       bool
	}{
		{"live", `<message xmlns="jabber:client" from="juliet@capulet.example/b" type="chat" id="1"><body>I sent you an OMEMO encrypted message</body>` + convEncrypted + `<store xmlns="urn:xmpp:hints"/></message>`, false},
		{"prefixed", `<message xmlns="jabber:client" xmlns:o="eu.siacs.conversations.axolotl" from="juliet@capulet.example/b" type="chat"><o:encrypted><o:header sid="1473204133"><o:key rid="5">Mwg=</o:key><o:iv>AAAAAAAAAAAAAAAA</o:iv></o:header><o:payload>qqqq</o:payload></o:encrypted></message>`, false},
		{"carbon", `<message xmlns="jabber:client" from="romeo@montague.example" type="chat"><received xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client" from="juliet@capulet.example/b" to="romeo@montague.example/x" type="chat">` + convEncrypted + `</message></forwarded></received></message>`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseString(t, reg, tc.stanza)
			if err != nil {
				t.Fatal(err)
			}
			if tc.nested {
				if m.Forwarded == nil || m.Forwarded.Message == nil {
					t.Fatal("no forwarded message")
				}
				m = *m.Forwarded.Message
			}
			if m.Encrypted == nil || m.Encrypted.Cut || m.Encrypted.NS != NSOMEMO {
				t.Fatalf("encrypted %+v", m.Encrypted)
			}
			e, err := axolotl.ParseEncryptedBytes(m.Encrypted.Raw)
			if err != nil {
				t.Fatalf("%v: %s", err, m.Encrypted.Raw)
			}
			if e.SID != 1473204133 || len(e.Payload) != 3 {
				t.Fatalf("%+v", e)
			}
		})
	}
	huge := `<message xmlns="jabber:client" from="juliet@capulet.example/b" type="chat"><body>fallback</body><encrypted xmlns="eu.siacs.conversations.axolotl"><payload>` +
		strings.Repeat("A", MaxEncrypted) + `</payload></encrypted></message>`
	m, err := parseString(t, reg, huge)
	if err != nil {
		t.Fatal(err)
	}
	if m.Encrypted == nil || !m.Encrypted.Cut || m.Encrypted.Raw != nil || m.Body != "fallback" {
		t.Fatalf("huge: %+v", m.Encrypted)
	}
	if !containsFeature(reg.Features(), NSOMEMO+".devicelist+notify") {
		t.Fatal("the registry does not announce the device-list interest")
	}
}

func containsFeature(fs []string, f string) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}
