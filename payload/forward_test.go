package payload

import (
	"strings"
	"testing"
	"time"

	"parley/msg"
)

func TestParseForwarded(t *testing.T) {
	reg := Default()
	stamp := time.Date(2020, 1, 2, 3, 4, 5, 678e6, time.UTC)
	tests := []struct {
		name      string
		stanza    string
		wrapper   msg.Wrapper // 0: no Forwarded
		queryID   string
		resultID  string
		delay     time.Time
		innerBody string // "": no inner message
		innerFwd  bool   // the inner message kept a wrapper (never)
	}{
		{
			name: "sent carbon, nested wrapper ignored",
			stanza: `<message xmlns="jabber:client" from="romeo@montague.example" to="romeo@montague.example/parley">` +
				`<sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">` +
				`<message xmlns="jabber:client" from="romeo@montague.example/phone" to="juliet@capulet.example" type="chat" id="s1"><body>from my phone</body>` +
				`<sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client"><body>nested</body></message></forwarded></sent>` +
				`</message></forwarded></sent></message>`,
			wrapper: msg.CarbonSent, innerBody: "from my phone",
		},
		{
			name: "received carbon",
			stanza: `<message xmlns="jabber:client" from="romeo@montague.example"><received xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">` +
				`<message xmlns="jabber:client" from="juliet@capulet.example/c" to="romeo@montague.example/phone" type="chat" id="r1"><body>hi phone</body></message></forwarded></received></message>`,
			wrapper: msg.CarbonReceived, innerBody: "hi phone",
		},
		{
			name: "archive result with delay",
			stanza: `<message xmlns="jabber:client"><result xmlns="urn:xmpp:mam:2" queryid="q1" id="A1"><forwarded xmlns="urn:xmpp:forward:0">` +
				`<delay xmlns="urn:xmpp:delay" stamp="2020-01-02T03:04:05.678Z"/>` +
				`<message xmlns="jabber:client" from="juliet@capulet.example/c" type="chat" id="r2"><body>archived</body></message></forwarded></result></message>`,
			wrapper: msg.ArchiveResult, queryID: "q1", resultID: "A1", delay: stamp, innerBody: "archived",
		},
		{
			name:   "result without queryid ignored",
			stanza: `<message xmlns="jabber:client"><result xmlns="urn:xmpp:mam:2" id="A"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client"><body>x</body></message></forwarded></result></message>`,
		},
		{
			name:    "carbon without forwarded",
			stanza:  `<message xmlns="jabber:client" from="romeo@montague.example"><sent xmlns="urn:xmpp:carbons:2"/></message>`,
			wrapper: msg.CarbonSent,
		},
		{
			name: "unreadable inner message, the next one read",
			stanza: `<message xmlns="jabber:client" from="romeo@montague.example"><sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">` +
				`<message xmlns="jabber:client" from="@@bad"><body>x</body><x><y/></x></message><message xmlns="jabber:client"><body>second</body></message></forwarded></sent></message>`,
			wrapper: msg.CarbonSent, innerBody: "second",
		},
		{
			name: "second wrapper ignored",
			stanza: `<message xmlns="jabber:client" from="romeo@montague.example">` +
				`<received xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client"><body>first</body></message></forwarded></received>` +
				`<sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client"><body>second</body></message></forwarded></sent></message>`,
			wrapper: msg.CarbonReceived, innerBody: "first",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseString(t, reg, tc.stanza)
			if err != nil {
				t.Fatal(err)
			}
			f := m.Forwarded
			if tc.wrapper == 0 {
				if f != nil {
					t.Fatalf("Forwarded %+v", f)
				}
				return
			}
			if f == nil || f.Wrapper != tc.wrapper || f.QueryID != tc.queryID || f.ResultID != tc.resultID || !f.Delay.Equal(tc.delay) {
				t.Fatalf("Forwarded %+v", f)
			}
			switch {
			case tc.innerBody == "" && f.Message != nil:
				t.Errorf("inner %+v", f.Message)
			case tc.innerBody != "" && (f.Message == nil || f.Message.Body != tc.innerBody):
				t.Errorf("inner %+v", f.Message)
			case f.Message != nil && f.Message.Forwarded != nil:
				t.Errorf("a wrapper nested: %+v", f.Message.Forwarded)
			}
		})
	}
}

// TestParseForwardedBudget: a forwarded message shares the stanza's budget.
func TestParseForwardedBudget(t *testing.T) {
	s := `<message xmlns="jabber:client" from="romeo@montague.example"><received xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">` +
		`<message xmlns="jabber:client" type="chat"><body>x</body>` + strings.Repeat("<a/>", MaxTokens) + `</message></forwarded></received></message>`
	m, err := parseString(t, Default(), s)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Truncated || m.Forwarded != nil {
		t.Errorf("Truncated %v, Forwarded %+v", m.Truncated, m.Forwarded)
	}
}
