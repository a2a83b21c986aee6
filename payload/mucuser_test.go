package payload

import (
	"slices"
	"strings"
	"testing"
)

// TestMUCUser reads the real JID a room's archive adds and the status
// codes of a configuration change; hostile or absent values leave them
// unset, and more than 16 codes are cut.
func TestMUCUser(t *testing.T) {
	const x = `<x xmlns="http://jabber.org/protocol/muc#user">`
	for _, tc := range []struct {
		name, inner string
		jid         string
		codes       []int
	}{
		{"archive item", x + `<item jid="alice@example.org/desk"/></x>`, "alice@example.org/desk", nil},
		{"config change", x + `<status code="104"/><status code="172"/></x>`, "", []int{104, 172}},
		{"bad jid and codes", x + `<item jid="@@"/><status code="x"/><status code="99"/><status code="1000"/></x>`, "", nil},
		{"first x only", x + `<status code="104"/></x>` + x + `<item jid="eve@example.org"/></x>`, "", []int{104}},
		{"too many codes", x + strings.Repeat(`<status code="110"/>`, 40) + `</x>`, "", slices.Repeat([]int{110}, 16)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseString(t, Default(), `<message xmlns="jabber:client" type="groupchat" from="room@muc.example/alice"><body>hi</body>`+tc.inner+`</message>`)
			if err != nil {
				t.Fatal(err)
			}
			if !m.MUCUser || m.MUCJID.String() != tc.jid || !slices.Equal(m.MUCCodes, tc.codes) {
				t.Errorf("MUCUser %v, MUCJID %q, MUCCodes %v; want %q, %v", m.MUCUser, m.MUCJID, m.MUCCodes, tc.jid, tc.codes)
			}
		})
	}
}
