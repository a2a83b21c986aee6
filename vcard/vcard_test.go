package vcard

import (
	"bytes"
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const card4 = `<vcard xmlns="urn:ietf:params:xml:ns:vcard-4.0">
  <fn><text>Juliet Capulet</text></fn>
  <n><surname>Capulet</surname><given>Juliet</given><additional>J</additional></n>
  <nickname><text>Jule</text></nickname>
  <email><parameters><type><text>work</text></type></parameters><text>jc@example.org</text></email>
  <email><text>juliet@home.example</text></email>
  <tel><parameters><type><text>cell</text></type></parameters><uri>tel:+1-555-0100</uri></tel>
  <url><uri>https://example.org/juliet</uri></url>
  <impp><uri>xmpp:juliet@example.org</uri></impp>
  <org><text>Capulet</text><text>House</text></org>
  <title><text>Heiress</text></title>
  <bday><date>1996-07-31</date></bday>
  <adr><street>1 Via Cappello</street><locality>Verona</locality><country>Italy</country></adr>
  <note><text>Wherefore art thou</text></note>
  <photo><uri>data:image/png;base64,AAAAAAAA</uri></photo>
  <x-secret xmlns="urn:example:other"><kept a="1">yes</kept></x-secret>
  <gender><sex><text>F</text></sex></gender>
</vcard>`

const cardTemp = `<vCard xmlns="vcard-temp">
  <FN>Romeo Montague</FN>
  <N><FAMILY>Montague</FAMILY><GIVEN>Romeo</GIVEN></N>
  <NICKNAME>Romy</NICKNAME>
  <EMAIL><INTERNET/><HOME/><USERID>romeo@example.net</USERID></EMAIL>
  <email>old@example.net</email>
  <TEL><CELL/><NUMBER>555-0101</NUMBER></TEL>
  <URL>https://montague.example</URL>
  <JABBERID>romeo@example.net</JABBERID>
  <ORG><ORGNAME>Montague</ORGNAME><ORGUNIT>Sons</ORGUNIT></ORG>
  <ROLE>lover</ROLE>
  <BDAY>1995-01-01</BDAY>
  <ADR><HOME/><LOCALITY>Verona</LOCALITY></ADR>
  <DESC>But soft</DESC>
  <PHOTO><TYPE>image/jpeg</TYPE><BINVAL>AAAA
AAAA</BINVAL></PHOTO>
  <X-UNKNOWN>kept</X-UNKNOWN>
</vCard>`

func parse(t testing.TB, s string) (Card, error) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	tok, err := d.Token()
	if err != nil {
		t.Fatal(err)
	}
	return Parse(tok.(xml.StartElement), d)
}

func encode(t testing.TB, c Card) string {
	t.Helper()
	r, err := c.Elem()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	e := xml.NewEncoder(&b)
	for {
		tok, err := r.Token()
		if tok == nil {
			break
		}
		if err := e.EncodeToken(tok); err != nil {
			t.Fatalf("encode %#v: %v", tok, err)
		}
		_ = err
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestParse4(t *testing.T) {
	c, err := parse(t, card4)
	if err != nil {
		t.Fatal(err)
	}
	want := Card{Format: VCard4, FN: "Juliet Capulet", Name: "Juliet J Capulet", Nickname: "Jule",
		Emails: []Value{{Text: "jc@example.org", Types: []string{"work"}}, {Text: "juliet@home.example"}},
		Phones: []Value{{Text: "+1-555-0100", Types: []string{"cell"}}}, URLs: []string{"https://example.org/juliet"},
		JIDs: []string{"juliet@example.org"}, Org: "Capulet, House", Title: "Heiress", Birthday: "1996-07-31",
		Address: []Value{{Text: "1 Via Cappello, Verona, Italy"}}, Note: "Wherefore art thou", Photo: &Photo{Type: "image/png", Size: 6}}
	c.props = nil
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got\n%+v\nwant\n%+v", c, want)
	}
}

func TestParseTemp(t *testing.T) {
	c, err := parse(t, cardTemp)
	if err != nil {
		t.Fatal(err)
	}
	want := Card{Format: Temp, FN: "Romeo Montague", Name: "Romeo Montague", Nickname: "Romy",
		Emails: []Value{{Text: "romeo@example.net", Types: []string{"home"}}, {Text: "old@example.net"}},
		Phones: []Value{{Text: "555-0101", Types: []string{"cell"}}}, URLs: []string{"https://montague.example"},
		JIDs: []string{"romeo@example.net"}, Org: "Montague, Sons", Role: "lover", Birthday: "1995-01-01",
		Address: []Value{{Text: "Verona", Types: []string{"home"}}}, Note: "But soft", Photo: &Photo{Type: "image/jpeg", Size: 6}}
	c.props = nil
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got\n%+v\nwant\n%+v", c, want)
	}
}

// TestSetKeepsTheRest edits each field of both formats and checks the
// properties parley does not show survive, in place.
func TestSetKeepsTheRest(t *testing.T) {
	for _, tc := range []struct {
		in    string
		keeps []string
	}{
		{card4, []string{`<kept xmlns="urn:example:other" a="1">yes</kept>`, `<sex xmlns="urn:ietf:params:xml:ns:vcard-4.0"><text xmlns="urn:ietf:params:xml:ns:vcard-4.0">F</text></sex>`, "data:image/png;base64,AAAAAAAA", "juliet@home.example", "<type"}},
		{cardTemp, []string{"kept</X-UNKNOWN>", "AAAA\nAAAA", "old@example.net", "<HOME", "<INTERNET"}},
	} {
		c, err := parse(t, tc.in)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []struct {
			f Field
			v string
		}{{FieldFN, "New <Name> & co"}, {FieldNickname, "nicky"}, {FieldEmail, "new@example.com"}} {
			if err := c.Set(f.f, f.v); err != nil {
				t.Fatal(err)
			}
		}
		out := encode(t, c)
		back, err := parse(t, out)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if back.FN != "New <Name> & co" || back.Nickname != "nicky" || back.Emails[0].Text != "new@example.com" || len(back.Emails) != 2 || back.Photo == nil {
			t.Errorf("%v: read back %+v from\n%s", c.Format, back, out)
		}
		if c.Format == VCard4 && back.Emails[0].Types[0] != "work" {
			t.Errorf("the email's type was lost: %+v", back.Emails)
		}
		for _, k := range tc.keeps {
			if !strings.Contains(out, k) {
				t.Errorf("%v: %q lost in\n%s", c.Format, k, out)
			}
		}
		if strings.Count(out, "xmlns=\"xmlns") > 0 || strings.Contains(out, `xmlns="urn:ietf:params:xml:ns:vcard-4.0" xmlns=`) {
			t.Errorf("doubled namespace declarations:\n%s", out)
		}
		// Removing.
		if err := back.Set(FieldNickname, ""); err != nil || back.Nickname != "" {
			t.Errorf("removing the nickname: %v %+v", err, back)
		}
	}
}

func TestSetNew(t *testing.T) {
	for _, f := range []Format{VCard4, Temp} {
		c := New(f)
		if !c.Empty() {
			t.Error("a new card is not empty")
		}
		for _, s := range []struct {
			f Field
			v string
		}{{FieldEmail, "a@b.c"}, {FieldNickname, "nn"}, {FieldFN, "Full"}} {
			if err := c.Set(s.f, s.v); err != nil {
				t.Fatal(err)
			}
		}
		back, err := parse(t, encode(t, c))
		if err != nil || back.FN != "Full" || back.Nickname != "nn" || len(back.Emails) != 1 || back.Emails[0].Text != "a@b.c" {
			t.Errorf("%v: %+v %v\n%s", f, back, err, encode(t, c))
		}
		if !strings.HasPrefix(encode(t, c), map[Format]string{VCard4: `<vcard xmlns="urn:ietf:params:xml:ns:vcard-4.0"><fn`, Temp: `<vCard xmlns="vcard-temp"><FN`}[f]) {
			t.Errorf("%v: the name is not first: %s", f, encode(t, c))
		}
	}
	c := New(VCard4)
	if err := c.Set(FieldFN, strings.Repeat("x", MaxSet+1)); err == nil {
		t.Error("an over-long value was set")
	}
}

// TestHostile: a huge card is read within its bounds and not edited; deep
// nesting, many values and over-long text are cut; a wrong element is
// refused; a truncated stream is an error.
func TestHostile(t *testing.T) {
	big := `<vCard xmlns="vcard-temp"><FN>Big</FN><PHOTO><TYPE>image/png</TYPE><BINVAL>` + strings.Repeat("QUFB", 200<<10) + `</BINVAL></PHOTO></vCard>`
	c, err := parse(t, big)
	if err != nil || c.FN != "Big" || c.Photo == nil || c.Photo.Size != 600<<10 {
		t.Fatalf("big card: %+v %v", c.Photo, err)
	}
	if err := c.Set(FieldNickname, "x"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("editing a card over MaxRaw: %v", err)
	}
	if _, err := c.Elem(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("writing a card over MaxRaw: %v", err)
	}
	many := `<vcard xmlns="urn:ietf:params:xml:ns:vcard-4.0">` + strings.Repeat(`<email><text>a@b</text></email>`, 100) +
		`<note><text>` + strings.Repeat("é", MaxNote) + `</text></note>` + strings.Repeat("<x>", 50) + strings.Repeat("</x>", 50) + `</vcard>`
	c, err = parse(t, many)
	if err != nil || len(c.Emails) != MaxValues || !c.Cut || len(c.Note) > MaxNote || !strings.HasPrefix(c.Note, "é") {
		t.Errorf("many: %d emails, cut %v, note %d bytes, %v", len(c.Emails), c.Cut, len(c.Note), err)
	}
	tokens := `<vcard xmlns="urn:ietf:params:xml:ns:vcard-4.0"><fn><text>T</text></fn>` + strings.Repeat("<a/>", maxTokens) + `</vcard><after/>`
	d := xml.NewDecoder(strings.NewReader(tokens))
	tok, _ := d.Token()
	c, err = Parse(tok.(xml.StartElement), d)
	if err != nil || c.FN != "T" || !c.Cut {
		t.Errorf("too many tokens: %+v %v", c, err)
	}
	if next, _ := d.Token(); next.(xml.StartElement).Name.Local != "after" {
		t.Errorf("the rest of a card over its tokens was not drained: next %v", next)
	}
	if _, err := parse(t, `<vcard xmlns="other"><fn/></vcard>`); !errors.Is(err, ErrNotVCard) {
		t.Errorf("a foreign element: %v", err)
	}
	if _, err := parse(t, `<vcard xmlns="urn:ietf:params:xml:ns:vcard-4.0"><fn><text>x`); err == nil {
		t.Error("a truncated card was read")
	}
}

func TestNick(t *testing.T) {
	var b bytes.Buffer
	e := xml.NewEncoder(&b)
	if _, err := xmlCopy(e, NickElem("Ish <mael>")); err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		b.String(): "Ish <mael>",
		`<nick xmlns="http://jabber.org/protocol/nick">  a<b>hidden</b>c </nick>`:               "ac",
		`<nick xmlns="http://jabber.org/protocol/nick">` + strings.Repeat("n", 999) + `</nick>`: strings.Repeat("n", MaxNick),
	} {
		d := xml.NewDecoder(strings.NewReader(in))
		tok, _ := d.Token()
		got, err := ParseNick(tok.(xml.StartElement), d)
		if err != nil || got != want {
			t.Errorf("%.60s: %q %v", in, got, err)
		}
	}
	d := xml.NewDecoder(strings.NewReader(`<nick xmlns="other">x</nick>`))
	tok, _ := d.Token()
	if _, err := ParseNick(tok.(xml.StartElement), d); err == nil {
		t.Error("a foreign nick was read")
	}
}

func xmlCopy(e *xml.Encoder, r interface {
	Token() (xml.Token, error)
}) (int, error) {
	n := 0
	for {
		tok, _ := r.Token()
		if tok == nil {
			return n, e.Flush()
		}
		if err := e.EncodeToken(tok); err != nil {
			return n, err
		}
		n++
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{card4, cardTemp, `<vcard xmlns="urn:ietf:params:xml:ns:vcard-4.0"><photo><uri>data:,</uri></photo></vcard>`, `<vCard xmlns="vcard-temp"><EMAIL>x</EMAIL></vCard>`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := xml.NewDecoder(strings.NewReader(s))
		tok, err := d.Token()
		start, ok := tok.(xml.StartElement)
		if err != nil || !ok {
			return
		}
		c, err := Parse(start, d)
		if err != nil {
			return
		}
		if len(c.FN) > MaxText || len(c.Note) > MaxNote || len(c.Emails) > MaxValues || len(c.Phones) > MaxValues {
			t.Fatalf("over the bounds: %+v", c)
		}
		for _, f := range []Field{FieldFN, FieldNickname, FieldEmail} {
			if err := c.Set(f, "v"); err != nil {
				if errors.Is(err, ErrTooLarge) {
					return
				}
				t.Fatalf("set %v: %v", f, err)
			}
		}
		if c.FN != "v" || c.Nickname != "v" || len(c.Emails) == 0 || c.Emails[0].Text != "v" {
			t.Fatalf("set did not take: %+v", c)
		}
		_ = encode(t, c)
	})
}

func TestConvert(t *testing.T) {
	for _, in := range []string{card4, cardTemp} {
		c, err := parse(t, in)
		if err != nil {
			t.Fatal(err)
		}
		to := Temp
		if c.Format == Temp {
			to = VCard4
		}
		out := Convert(c, to)
		back, err := parse(t, encode(t, out))
		if err != nil {
			t.Fatal(err)
		}
		c.props, back.props, c.Format, c.Photo, c.Address, c.Name = nil, nil, to, nil, nil, ""
		if to == Temp {
			for i := range c.Emails {
				c.Emails[i].Types = nil // vcard-temp gets INTERNET only
			}
			for i := range c.Phones {
				c.Phones[i].Types = []string{"voice"}
			}
		} else {
			for i := range c.Phones {
				c.Phones[i].Types = nil
			}
		}
		if !reflect.DeepEqual(c, back) {
			t.Errorf("%v:\n%+v\nwant\n%+v\n%s", to, back, c, encode(t, out))
		}
	}
}
