package account

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"mellium.im/xmpp/jid"
)

// parseExt runs the handler's parser (with wrappers and receipts) on s and
// checks that it consumed the element exactly: the token after it is <after/>.
func parseExt(t testing.TB, s string) (Message, msgExt, error) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s + "<after/>"))
	for {
		tok, err := d.Token()
		if err != nil {
			return Message{}, msgExt{}, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			var x msgExt
			m, err := parseMessageExt(se, d, ParseContext{Account: testAccount, Now: testNow, SIDs: true}, &x)
			if err == nil {
				next, terr := d.Token()
				if se, ok := next.(xml.StartElement); !ok || se.Name.Local != "after" || terr != nil {
					t.Fatalf("after the message: %#v %v", next, terr)
				}
			}
			return m, x, err
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
		carbon     string
		queryID    string
		innerBody  string // "" when no inner message
		innerTime  time.Time
		receiptReq bool
		receiptOf  string
	}{
		{"sent carbon, nested wrapper ignored", carbonSent, "sent", "", "from my phone", testNow, false, ""},
		{"received carbon", carbonRecv, "received", "", "hi phone", testNow, false, ""},
		{"archive result with delay", mamResult, "", "q1", "archived", stamp, false, ""},
		{"receipt request", `<message xmlns="jabber:client" from="bob@example.net/pc" type="chat" id="x"><body>b</body><request xmlns="urn:xmpp:receipts"/></message>`,
			"", "", "", time.Time{}, true, ""},
		{"receipt", `<message xmlns="jabber:client" from="bob@example.net/pc"><received xmlns="urn:xmpp:receipts" id="m9"/></message>`,
			"", "", "", time.Time{}, false, "m9"},
		{"result without queryid is ignored", `<message xmlns="jabber:client"><result xmlns="urn:xmpp:mam:2" id="A"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client"><body>x</body></message></forwarded></result></message>`,
			"", "", "", time.Time{}, false, ""},
		{"carbon without forwarded", `<message xmlns="jabber:client" from="alice@example.org"><sent xmlns="urn:xmpp:carbons:2"/></message>`,
			"sent", "", "", time.Time{}, false, ""},
		{"unreadable inner message", `<message xmlns="jabber:client" from="alice@example.org"><sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message xmlns="jabber:client" from="@@bad"><body>x</body><x><y/></x></message><message xmlns="jabber:client"><body>second</body></message></forwarded></sent></message>`,
			"sent", "", "second", testNow, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, x, err := parseExt(t, tc.xml)
			if err != nil {
				t.Fatal(err)
			}
			if x.carbon != tc.carbon || x.mamQueryID != tc.queryID || x.receiptReq != tc.receiptReq || x.receiptOf != tc.receiptOf {
				t.Errorf("ext %+v", x)
			}
			switch {
			case tc.innerBody == "" && x.inner != nil:
				t.Errorf("inner message %+v", *x.inner)
			case tc.innerBody != "" && x.inner == nil:
				t.Error("no inner message")
			case tc.innerBody != "":
				if x.inner.Body != tc.innerBody {
					t.Errorf("inner body %q", x.inner.Body)
				}
				if !x.fwdTime.IsZero() && !x.fwdTime.Equal(tc.innerTime) || x.fwdTime.IsZero() && !x.inner.Time.Equal(tc.innerTime) {
					t.Errorf("time %v / %v, want %v", x.fwdTime, x.inner.Time, tc.innerTime)
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
			outer, x, err := parseExt(t, s)
			if err != nil {
				t.Fatal(err)
			}
			m, why := a.carbon(outer, &x)
			if (why != "") != tc.drop {
				t.Fatalf("drop reason %q, want drop %v", why, tc.drop)
			}
			if !tc.drop && (m.Dir != tc.wantDir || !m.Carbon) {
				t.Errorf("message %+v", m)
			}
		})
	}

	// Archive results: only for a running query, only from its archive.
	outer, x, err := parseExt(t, mamResult)
	if err != nil {
		t.Fatal(err)
	}
	a.rel.queries = map[string]*mamQuery{"q1": {archive: testAccount, max: 10}}
	a.archiveResult(outer, &x)
	forged := outer
	forged.From = jid.MustParse("mallory@example.com")
	a.archiveResult(forged, &x)
	other := x
	other.mamQueryID = "q2"
	a.archiveResult(outer, &other)
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

func FuzzMessageExtensions(f *testing.F) {
	for _, s := range []string{carbonSent, carbonRecv, mamResult, `<message><sent xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0"><message>`} {
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
				var x msgExt
				if _, err := parseMessageExt(se, d, ParseContext{Account: testAccount, Now: testNow}, &x); err != nil {
					return
				}
				if x.inner != nil && (len(x.inner.Body) > MaxBody+len(TruncatedMarker) || !utf8.ValidString(x.inner.Body)) {
					t.Fatalf("inner body %q", x.inner.Body)
				}
				return
			}
		}
	})
}
