package blocking

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
)

func encode(t *testing.T, r xml.TokenReader) string {
	t.Helper()
	var b bytes.Buffer
	e := xml.NewEncoder(&b)
	if _, err := xmlstream.Copy(e, r); err != nil {
		t.Fatal(err)
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func parse(t testing.TB, s string) (Payload, error) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatalf("no start element in %q: %v", s, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			return Parse(se, d)
		}
	}
}

func TestBuild(t *testing.T) {
	js := []jid.JID{jid.MustParse("spam@evil.example"), jid.MustParse("evil.example")}
	for _, tc := range []struct {
		r    xml.TokenReader
		want string
	}{
		{Request(), `<blocklist xmlns="urn:xmpp:blocking"></blocklist>`},
		{Block(js[:1], Report{Text: "x"}), `<block xmlns="urn:xmpp:blocking"><item xmlns="urn:xmpp:blocking" jid="spam@evil.example"></item></block>`},
		{Block(js[:1], Report{Reason: Spam}), `<block xmlns="urn:xmpp:blocking"><item xmlns="urn:xmpp:blocking" jid="spam@evil.example"><report xmlns="urn:xmpp:reporting:1" reason="urn:xmpp:reporting:spam"></report></item></block>`},
		{Block(js[:1], Report{Reason: Abuse, Text: "threats <b>", StanzaIDs: []string{"s1", "s'2"}, By: jid.MustParse("me@x")}), `<block xmlns="urn:xmpp:blocking"><item xmlns="urn:xmpp:blocking" jid="spam@evil.example"><report xmlns="urn:xmpp:reporting:1" reason="urn:xmpp:reporting:abuse"><stanza-id xmlns="urn:xmpp:sid:0" by="me@x" id="s1"></stanza-id><stanza-id xmlns="urn:xmpp:sid:0" by="me@x" id="s&#39;2"></stanza-id><text xmlns="urn:xmpp:reporting:1">threats &lt;b&gt;</text></report></item></block>`},
		{Unblock(js), `<unblock xmlns="urn:xmpp:blocking"><item xmlns="urn:xmpp:blocking" jid="spam@evil.example"></item><item xmlns="urn:xmpp:blocking" jid="evil.example"></item></unblock>`},
		{Unblock(nil), `<unblock xmlns="urn:xmpp:blocking"></unblock>`},
	} {
		if got := encode(t, tc.r); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{`<blocklist xmlns='urn:xmpp:blocking'/>`, "1 [] all=false invalid=0 cut=false"},
		{`<blocklist xmlns='urn:xmpp:blocking'><item jid='a@b'/><item jid='B'/><item jid='a@b'/></blocklist>`, "1 [a@b b] all=false invalid=0 cut=false"},
		{`<block xmlns='urn:xmpp:blocking'><item jid='x@y/r'><report xmlns='urn:xmpp:reporting:1'><item jid='nested@z'/></report></item></block>`, "2 [x@y/r] all=false invalid=0 cut=false"},
		{`<unblock xmlns='urn:xmpp:blocking'/>`, "3 [] all=true invalid=0 cut=false"},
		// Unusable items are not "unblock everything".
		{`<unblock xmlns='urn:xmpp:blocking'><item jid='@@'/><item/></unblock>`, "3 [] all=false invalid=2 cut=false"},
		// Items of another namespace are not items.
		{`<block xmlns='urn:xmpp:blocking'><item xmlns='other' jid='a@b'/><item jid='c@d'/></block>`, "2 [c@d] all=false invalid=0 cut=false"},
		{`<block xmlns='urn:xmpp:blocking'><item jid='` + strings.Repeat("a", 4000) + `@b'/></block>`, "2 [] all=false invalid=1 cut=false"},
	} {
		p, err := parse(t, tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got := fmt.Sprintf("%d %v all=%v invalid=%d cut=%v", p.Kind, p.JIDs, p.All, p.Invalid, p.Cut); got != tc.want {
			t.Errorf("%.80s: got %s, want %s", tc.in, got, tc.want)
		}
	}
	if _, err := parse(t, `<query xmlns='jabber:iq:roster'/>`); err == nil {
		t.Error("a roster query parsed as a block list")
	}
	if _, err := parse(t, `<block xmlns='urn:xmpp:blocking'><item jid='a@b'>`); err == nil {
		t.Error("a truncated payload parsed")
	}
}

func TestParseHuge(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<blocklist xmlns='urn:xmpp:blocking'>`)
	for i := range MaxItems + 500 {
		fmt.Fprintf(&b, `<item jid='u%d@spam.example'/>`, i)
	}
	b.WriteString(`</blocklist>`)
	p, err := parse(t, b.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.JIDs) != MaxItems || !p.Cut {
		t.Errorf("%d kept, cut %v", len(p.JIDs), p.Cut)
	}
}

func TestSetBlocks(t *testing.T) {
	var s Set
	if s.Blocks(jid.MustParse("a@b")) {
		t.Error("empty set blocks")
	}
	added, full := s.Add([]jid.JID{jid.MustParse("user@one.example"), jid.MustParse("two.example"), jid.MustParse("x@three.example/res"), jid.MustParse("four.example/bot"), jid.MustParse("user@one.example")})
	if len(added) != 4 || full {
		t.Fatalf("added %v full %v", added, full)
	}
	for _, tc := range []struct {
		j    string
		want bool
	}{
		{"user@one.example", true}, {"user@one.example/any", true}, {"other@one.example", false}, {"one.example", false},
		{"two.example", true}, {"anyone@two.example/r", true}, {"two.example/r", true},
		{"x@three.example/res", true}, {"x@three.example", false}, {"x@three.example/other", false},
		{"four.example/bot", true}, {"four.example", false}, {"u@four.example/bot", false},
	} {
		if got := s.Blocks(jid.MustParse(tc.j)); got != tc.want {
			t.Errorf("Blocks(%s) = %v", tc.j, got)
		}
	}
	if r := s.Remove([]jid.JID{jid.MustParse("two.example"), jid.MustParse("never@x")}); len(r) != 1 {
		t.Errorf("removed %v", r)
	}
	if got := fmt.Sprint(s.JIDs()); got != "[four.example/bot user@one.example x@three.example/res]" {
		t.Errorf("JIDs %s", got)
	}
	if all := s.Clear(); len(all) != 3 || s.Len() != 0 {
		t.Errorf("clear %v, left %d", all, s.Len())
	}
}

func TestSetBound(t *testing.T) {
	var s Set
	js := make([]jid.JID, MaxItems+3)
	for i := range js {
		js[i] = jid.MustParse(fmt.Sprintf("u%d@x", i))
	}
	added, full := s.Add(js)
	if len(added) != MaxItems || !full || s.Len() != MaxItems {
		t.Errorf("added %d, full %v, len %d", len(added), full, s.Len())
	}
}

func FuzzParse(f *testing.F) {
	f.Add(`<blocklist xmlns='urn:xmpp:blocking'><item jid='a@b'/></blocklist>`)
	f.Add(`<block xmlns='urn:xmpp:blocking'><item jid='x@y/r'><report xmlns='urn:xmpp:reporting:1'/></item></block>`)
	f.Add(`<unblock xmlns='urn:xmpp:blocking'><item jid='@@'/></unblock>`)
	f.Add(`<unblock xmlns='urn:xmpp:blocking'/>`)
	f.Fuzz(func(t *testing.T, s string) {
		d := xml.NewDecoder(strings.NewReader(s))
		for {
			tok, err := d.Token()
			if err != nil {
				return
			}
			se, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			p, err := Parse(se, d)
			if len(p.JIDs) > MaxItems {
				t.Fatalf("%d addresses kept", len(p.JIDs))
			}
			if p.All && (len(p.JIDs) > 0 || p.Invalid > 0) {
				t.Fatalf("unblock all with items: %+v", p)
			}
			var set Set
			set.Add(p.JIDs)
			for _, j := range p.JIDs {
				if !set.Blocks(j) {
					t.Fatalf("%s added but not blocked", j)
				}
			}
			_ = err
			return
		}
	})
}

// BenchmarkBlocks is the account's filter per event: a full list, a
// sender it does not hold.
func BenchmarkBlocks(b *testing.B) {
	var s Set
	js := make([]jid.JID, MaxItems)
	for i := range js {
		js[i] = jid.MustParse(fmt.Sprintf("u%d@spam.example", i))
	}
	s.Add(js)
	from := jid.MustParse("friend@example.org/phone")
	b.ReportAllocs()
	for b.Loop() {
		if s.Blocks(from) {
			b.Fatal("blocked")
		}
	}
}
