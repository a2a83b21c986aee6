package entity

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"mellium.im/xmlstream"
)

// first decodes s and returns its root start element and a reader after it.
func first(t testing.TB, s string) (xml.StartElement, xml.TokenReader) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se, d
		}
	}
}

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

func TestVersionRoundTrip(t *testing.T) {
	for _, tc := range []struct{ name, ver, os, want string }{
		{"parley", "0.1", "", "parley 0.1"},
		{"parley", "0.1", "linux", "parley 0.1 (linux)"},
		{"", "", "", "(no name)"},
	} {
		s := encode(t, VersionAnswer(tc.name, tc.ver, tc.os))
		if tc.os == "" && strings.Contains(s, "<os") {
			t.Errorf("%s: os sent though empty", s)
		}
		v, err := ParseVersion(first(t, s))
		if err != nil || v.String() != tc.want {
			t.Errorf("%s: %+v %v, want %q", s, v, err, tc.want)
		}
	}
}

func TestParseVersionHostile(t *testing.T) {
	huge := strings.Repeat("x", 100000)
	for _, tc := range []struct {
		in   string
		want Version
		err  bool
	}{
		{in: "<query xmlns='jabber:iq:version'><name>a</name><name>b</name><version> 1 </version></query>", want: Version{Name: "a", Version: "1"}},
		{in: "<query xmlns='jabber:iq:version'><name>" + huge + "</name></query>", want: Version{Name: huge[:MaxText]}},
		{in: "<query xmlns='jabber:iq:version'><name><b>x</b>y</name><os xmlns='other'>z</os></query>", want: Version{}},
		{in: "<query xmlns='jabber:iq:other'/>", err: true},
		{in: "<query xmlns='jabber:iq:version'>" + strings.Repeat("<a/>", maxTokens) + "</query>", err: true},
	} {
		v, err := ParseVersion(first(t, tc.in))
		if (err != nil) != tc.err || (!tc.err && v != tc.want) {
			t.Errorf("%.80s: %+v %v", tc.in, v, err)
		}
	}
}

func TestTime(t *testing.T) {
	now := time.Date(2026, 12, 3, 6, 30, 0, 0, time.FixedZone("", -(3*3600+1800)))
	got, err := ParseTime(first(t, encode(t, TimeAnswer(now))))
	if err != nil || !got.UTC.Equal(now) || got.Offset != -(3*time.Hour+30*time.Minute) || got.Local().Format("15:04 -07:00") != "06:30 -03:30" {
		t.Fatalf("%+v %v", got, err)
	}
	for _, in := range []string{
		"<time xmlns='urn:xmpp:time'><tzo>+25:00</tzo><utc>2026-12-03T06:30:00Z</utc></time>",
		"<time xmlns='urn:xmpp:time'><tzo>Z</tzo><utc>yesterday</utc></time>",
		"<time xmlns='urn:xmpp:time'><tzo>+-1:00</tzo><utc>2026-12-03T06:30:00Z</utc></time>",
		"<time xmlns='urn:xmpp:time'><utc>2026-12-03T06:30:00Z</utc></time>",
		"<time xmlns='urn:xmpp:time'><tzo>Z</tzo><utc>2026-12-03T06:30:00Z</utc>",
	} {
		if _, err := ParseTime(first(t, in)); err == nil {
			t.Errorf("%s: %v, want ErrMalformed", in, err)
		}
	}
}

func TestLast(t *testing.T) {
	l, err := ParseLast(first(t, encode(t, LastAnswer(90*time.Second+time.Millisecond))))
	if err != nil || l.Seconds != 90 {
		t.Fatalf("%+v %v", l, err)
	}
	l, err = ParseLast(first(t, "<query xmlns='jabber:iq:last' seconds='5'>gone <b>fishing</b></query>"))
	if err != nil || l.Seconds != 5 || l.Status != "gone" {
		t.Errorf("%+v %v", l, err)
	}
	for _, in := range []string{"-1", "", "1e9", "99999999999999999999"} {
		if _, err := ParseLast(first(t, "<query xmlns='jabber:iq:last' seconds='"+in+"'/>")); !errors.Is(err, ErrMalformed) {
			t.Errorf("seconds %q: %v", in, err)
		}
	}
}

func TestItems(t *testing.T) {
	var b strings.Builder
	b.WriteString("<query xmlns='http://jabber.org/protocol/disco#items'>")
	b.WriteString("<item jid='muc.example.org' name='Rooms'/><item name='no jid'/><item jid='pubsub.example.org' node='n'><item jid='nested'/></item>")
	for range MaxItems + 5 {
		b.WriteString("<item jid='x.example.org'/>")
	}
	b.WriteString("</query>")
	it, err := ParseItems(first(t, b.String()))
	if err != nil || len(it.Items) != MaxItems || !it.Cut || it.Items[0] != (Item{JID: "muc.example.org", Name: "Rooms"}) || it.Items[1].Node != "n" {
		t.Fatalf("%d items, cut %v, %v: %+v", len(it.Items), it.Cut, err, it.Items[:2])
	}
}

func FuzzParsers(f *testing.F) {
	f.Add("<query xmlns='jabber:iq:version'><name>a</name></query>")
	f.Add("<time xmlns='urn:xmpp:time'><tzo>Z</tzo><utc>2026-12-03T06:30:00Z</utc></time>")
	f.Add("<query xmlns='jabber:iq:last' seconds='5'>x</query>")
	f.Add("<query xmlns='http://jabber.org/protocol/disco#items'><item jid='a'/></query>")
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []func(xml.StartElement, xml.TokenReader) error{
			func(se xml.StartElement, r xml.TokenReader) error { _, err := ParseVersion(se, r); return err },
			func(se xml.StartElement, r xml.TokenReader) error { _, err := ParseTime(se, r); return err },
			func(se xml.StartElement, r xml.TokenReader) error { _, err := ParseLast(se, r); return err },
			func(se xml.StartElement, r xml.TokenReader) error {
				it, err := ParseItems(se, r)
				if len(it.Items) > MaxItems {
					t.Fatalf("%d items", len(it.Items))
				}
				return err
			},
		} {
			d := xml.NewDecoder(strings.NewReader(s))
			tok, err := d.Token()
			for err == nil {
				if se, ok := tok.(xml.StartElement); ok {
					_ = p(se, d)
					break
				}
				tok, err = d.Token()
			}
		}
	})
}
