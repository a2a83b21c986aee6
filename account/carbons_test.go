package account

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"mellium.im/xmpp/jid"

	"parley/msg"
	"parley/payload"
)

// testPC is the parse context of the unit tests.
var testPC = ParseContext{Account: testAccount, Now: testNow, SIDs: true}

// parseExt runs the handler's parser (payload.Default, wrappers included)
// on s and checks that it consumed the element exactly: the token after it
// is <after/>.
func parseExt(t testing.TB, s string) (msg.Message, error) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s + "<after/>"))
	for {
		tok, err := d.Token()
		if err != nil {
			return msg.Message{}, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			m, err := payload.Default().Parse(se, d, payload.Context{Account: testAccount, Now: testNow})
			if err == nil {
				next, terr := d.Token()
				if se, ok := next.(xml.StartElement); !ok || se.Name.Local != "after" || terr != nil {
					t.Fatalf("after the message: %#v %v", next, terr)
				}
			}
			return m, err
		}
	}
}

const (
	carbonSent = `<message xmlns="jabber:client" from="alice@example.org" to="alice@example.org/parley">` +
		`<sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">` +
		`<message xmlns="jabber:client" from="alice@example.org/phone" to="bob@example.net" type="chat" id="s1"><body>from my phone</body>` +
		`<sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client"><body>nested</body></message></forwarded></sent>` +
		`</message></forwarded></sent></message>`
	carbonRecv = `<message xmlns="jabber:client" from="alice@example.org" to="alice@example.org/parley">` +
		`<received xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">` +
		`<message xmlns="jabber:client" from="bob@example.net/pc" to="alice@example.org/phone" type="chat" id="r1"><body>hi phone</body>` +
		`<stanza-id xmlns="urn:xmpp:sid:0" by="alice@example.org" id="SID1"/></message></forwarded></received></message>`
	mamResult = `<message xmlns="jabber:client" to="alice@example.org/parley">` +
		`<result xmlns="urn:xmpp:mam:2" queryid="q1" id="A1"><forwarded xmlns="urn:xmpp:forward:0">` +
		`<delay xmlns="urn:xmpp:delay" stamp="2020-01-02T03:04:05.678Z"/>` +
		`<message xmlns="jabber:client" from="bob@example.net/pc" to="alice@example.org" type="chat" id="r2"><body>archived</body>` +
		`<request xmlns="urn:xmpp:receipts"/></message></forwarded></result></message>`
)

func TestMessageExtensions(t *testing.T) {
	stamp := time.Date(2020, 1, 2, 3, 4, 5, 678e6, time.UTC)
	tests := []struct {
		name       string
		xml        string
		wrapper    msg.Wrapper
		queryID    string
		innerBody  string // "" when no inner message
		innerTime  time.Time
		receiptReq bool
		receiptOf  string
	}{
		{"sent carbon, nested wrapper ignored", carbonSent, msg.CarbonSent, "", "from my phone", testNow, false, ""},
		{"received carbon", carbonRecv, msg.CarbonReceived, "", "hi phone", testNow, false, ""},
		{"archive result with delay", mamResult, msg.ArchiveResult, "q1", "archived", stamp, false, ""},
		{"receipt request", `<message xmlns="jabber:client" from="bob@example.net/pc" type="chat" id="x"><body>b</body><request xmlns="urn:xmpp:receipts"/></message>`,
			0, "", "", time.Time{}, true, ""},
		{"receipt", `<message xmlns="jabber:client" from="bob@example.net/pc"><received xmlns="urn:xmpp:receipts" id="m9"/></message>`,
			0, "", "", time.Time{}, false, "m9"},
		{"result without queryid is ignored", `<message xmlns="jabber:client"><result xmlns="urn:xmpp:mam:2" id="A"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client"><body>x</body></message></forwarded></result></message>`,
			0, "", "", time.Time{}, false, ""},
		{"carbon without forwarded", `<message xmlns="jabber:client" from="alice@example.org"><sent xmlns="urn:xmpp:carbons:2"/></message>`,
			msg.CarbonSent, "", "", time.Time{}, false, ""},
		{"unreadable inner message", `<message xmlns="jabber:client" from="alice@example.org"><sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client" from="@@bad"><body>x</body><x><y/></x></message><message xmlns="jabber:client"><body>second</body></message></forwarded></sent></message>`,
			msg.CarbonSent, "", "second", testNow, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pm, err := parseExt(t, tc.xml)
			if err != nil {
				t.Fatal(err)
			}
			f := pm.Forwarded
			if pm.ReceiptRequest != tc.receiptReq || pm.ReceiptFor != tc.receiptOf {
				t.Errorf("receipts %v %q", pm.ReceiptRequest, pm.ReceiptFor)
			}
			if tc.wrapper == 0 {
				if f != nil {
					t.Errorf("wrapper %+v", f)
				}
				return
			}
			if f == nil || f.Wrapper != tc.wrapper || f.QueryID != tc.queryID {
				t.Fatalf("wrapper %+v", f)
			}
			switch {
			case tc.innerBody == "" && f.Message != nil:
				t.Errorf("inner message %+v", *f.Message)
			case tc.innerBody != "" && f.Message == nil:
				t.Error("no inner message")
			case tc.innerBody != "":
				inner := fromPayload(f.Message, testPC)
				if inner.Body != tc.innerBody {
					t.Errorf("inner body %q", inner.Body)
				}
				if !f.Delay.IsZero() && !f.Delay.Equal(tc.innerTime) || f.Delay.IsZero() && !inner.Time.Equal(tc.innerTime) {
					t.Errorf("time %v / %v, want %v", f.Delay, inner.Time, tc.innerTime)
				}
			}
		})
	}
}

// TestCarbonAndResultChecks covers who may send carbons and archive results.
func TestCarbonAndResultChecks(t *testing.T) {
	a := New(Config{JID: testAccount}, nil)
	tests := []struct {
		name    string
		xml     string
		outer   string // replaces the outer from
		wantDir Direction
		drop    bool
	}{
		{"sent from the account", carbonSent, "alice@example.org", Out, false},
		{"sent forged by a contact", carbonSent, "bob@example.net/pc", 0, true},
		{"sent forged by our own resource", carbonSent, "alice@example.org/evil", 0, true},
		{"received from the account", carbonRecv, "alice@example.org", In, false},
		{"received forged", carbonRecv, "mallory@example.com", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := strings.Replace(tc.xml, `from="alice@example.org" to="alice@example.org/parley"`, `from="`+tc.outer+`" to="alice@example.org/parley"`, 1)
			outer, err := parseExt(t, s)
			if err != nil {
				t.Fatal(err)
			}
			m, _, why := a.carbon(&outer, outer.Forwarded, testPC)
			if (why != "") != tc.drop {
				t.Fatalf("drop reason %q, want drop %v", why, tc.drop)
			}
			if !tc.drop && (m.Dir != tc.wantDir || !m.Carbon) {
				t.Errorf("message %+v", m)
			}
		})
	}

	// Archive results: only for a running query, only from its archive.
	outer, err := parseExt(t, mamResult)
	if err != nil {
		t.Fatal(err)
	}
	a.rel.queries = map[string]*mamQuery{"q1": {archive: testAccount, max: 10}}
	a.archiveResult(&outer, outer.Forwarded, testPC)
	forged := outer
	forged.From = jid.MustParse("mallory@example.com")
	a.archiveResult(&forged, forged.Forwarded, testPC)
	other := *outer.Forwarded
	other.QueryID = "q2"
	a.archiveResult(&outer, &other, testPC)
	q := a.rel.queries["q1"]
	if len(q.msgs) != 1 {
		t.Fatalf("query got %d results", len(q.msgs))
	}
	m := q.msgs[0]
	if !m.Archived || m.StanzaID != "A1" || m.StanzaIDBy != testAccount.String() || m.Dir != In || !m.Delayed || m.Body != "archived" {
		t.Errorf("result %+v", m)
	}
	if a.wantsReceipt(m, true) {
		t.Error("an archived message would get a receipt")
	}
}

// FuzzMessageExtensions runs the handler's parse of hostile stanzas (and
// of what they wrap) and checks the bounds of what is kept.
func FuzzMessageExtensions(f *testing.F) {
	for _, s := range []string{carbonSent, carbonRecv, mamResult, `<message><sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message>`,
		`<message xmlns="jabber:client" from="alice@example.org"><received xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client" from="bob@example.net/a" type="chat"><body>&gt; q
a</body><reply xmlns="urn:xmpp:reply:0" id="x" to="bob@example.net/a"/><fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body start="0" end="4"/></fallback><composing xmlns="http://jabber.org/protocol/chatstates"/></message></forwarded></received></message>`,
		`<message xmlns="jabber:client" type="groupchat" from="r@m"><apply-to xmlns="urn:xmpp:fasten:0" id="s"><moderated xmlns="urn:xmpp:message-moderate:0" by="r@m/mod"><retract xmlns="urn:xmpp:message-retract:0"/><reason>x</reason></moderated></apply-to></message>`,
		`<message xmlns="jabber:client" type="chat" from="b@x/y"><reactions xmlns="urn:xmpp:reactions:0" id="i"><reaction>👍</reaction></reactions><displayed xmlns="urn:xmpp:chat-markers:0" id="i"/></message>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := xml.NewDecoder(strings.NewReader(s))
		for {
			tok, err := d.Token()
			if err != nil {
				return
			}
			if se, ok := tok.(xml.StartElement); ok {
				pm, err := payload.Default().Parse(se, d, payload.Context{Account: testAccount, Now: testNow})
				if err != nil {
					return
				}
				for _, m := range []*msg.Message{&pm, innerOf(pm)} {
					if m == nil {
						continue
					}
					am := fromPayload(m, testPC)
					if len(am.Body) > MaxBody+len(TruncatedMarker) || !utf8.ValidString(am.Body) || len(am.Quote) > MaxBody {
						t.Fatalf("body %d bytes, quote %d", len(am.Body), len(am.Quote))
					}
					if len(am.Replaces) > maxShort || len(am.OccupantID) > maxShort || len(am.StanzaID) > maxShort {
						t.Fatalf("an id over %d bytes kept", maxShort)
					}
					if am.Reactions != nil && am.Body != "" || am.Retraction != nil && am.Body != "" {
						t.Fatalf("a reference kept its fallback body %q", am.Body)
					}
					_ = am.Peer()
				}
				return
			}
		}
	})
}

// innerOf is the forwarded message of m, nil if none.
func innerOf(m msg.Message) *msg.Message {
	if m.Forwarded == nil {
		return nil
	}
	return m.Forwarded.Message
}
