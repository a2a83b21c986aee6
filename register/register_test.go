package register

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"mellium.im/xmlstream"

	"parley/forms"
)

// prosodyAnswer is what Prosody 0.12 answers a registration get with
// (mod_register_ibr): legacy fields and the same as a data form.
const prosodyAnswer = `<query xmlns="jabber:iq:register"><instructions>Choose a username and password for use with this service.</instructions><username/><password/><x xmlns="jabber:x:data" type="form"><title>Creating a new account</title><instructions>Choose a username and password for use with this service.</instructions><field var="FORM_TYPE" type="hidden"><value>jabber:iq:register</value></field><field var="username" type="text-single" label="Username"><required/></field><field var="password" type="text-private" label="Password"><required/></field></x></query>`

func decode(t testing.TB, s string) (*Query, error) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	start, _ := tok.(xml.StartElement)
	q, err := Parse(d, start)
	if err == nil {
		// Parse consumed the whole element, its end too.
		if tok, err := d.Token(); err == nil && isEnd(tok) {
			t.Fatalf("token left after the query: %#v", tok)
		}
	}
	return q, err
}

func isEnd(tok xml.Token) bool { _, ok := tok.(xml.EndElement); return ok }

func encode(t testing.TB, r xml.TokenReader) string {
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

func TestParseForm(t *testing.T) {
	q, err := decode(t, prosodyAnswer)
	if err != nil {
		t.Fatal(err)
	}
	if q.Form == nil || len(q.Fields) != 2 || q.Fields[0].Name != "username" || q.Instructions == "" || q.WebOnly() || q.Cut {
		t.Fatalf("query %+v", q)
	}
	f := q.Fill()
	f.Field("username").SetText("alice")
	f.Field("password").SetText("s3cret")
	if probs := f.Validate(); len(probs) > 0 {
		t.Fatalf("problems %+v", probs)
	}
	if u, p := Credentials(f); u != "alice" || p != "s3cret" {
		t.Errorf("credentials %q %q", u, p)
	}
	got := encode(t, q.Submission(f))
	for _, want := range []string{`<query xmlns="jabber:iq:register">`, `type="submit"`, `var="username"`, ">alice</value>", ">s3cret</value>", ">jabber:iq:register</value>"} {
		if !strings.Contains(got, want) {
			t.Errorf("submission lacks %q: %s", want, got)
		}
	}
	if q.Form.Field("username").Value() != "" {
		t.Error("Fill changed the server's form")
	}
}

func TestParseLegacy(t *testing.T) {
	q, err := decode(t, `<query xmlns="jabber:iq:register"><instructions>Pick one</instructions><username>suggested</username><password/><email/><key>tok&amp;en</key><x xmlns="jabber:x:foo"><username/></x><weird/></query>`)
	if err != nil {
		t.Fatal(err)
	}
	if q.Form != nil || len(q.Fields) != 4 {
		t.Fatalf("query %+v", q)
	}
	f := q.Fill()
	if len(f.Fields) != 4 || f.Field("password").Type != forms.TextPrivate || !f.Field("email").Required || f.Field("username").Value() != "suggested" || f.Field("key").Editable() {
		t.Fatalf("form %+v", f)
	}
	if probs := f.Validate(); len(probs) != 2 { // password and email empty
		t.Errorf("problems %+v", probs)
	}
	f.Field("password").SetText("pw")
	f.Field("email").SetText("a@example.org")
	got := encode(t, q.Submission(f))
	want := `<query xmlns="jabber:iq:register"><username xmlns="jabber:iq:register">suggested</username><password xmlns="jabber:iq:register">pw</password><email xmlns="jabber:iq:register">a@example.org</email><key xmlns="jabber:iq:register">tok&amp;en</key></query>`
	if got != want {
		t.Errorf("submission\n got %s\nwant %s", got, want)
	}
}

func TestParseOOB(t *testing.T) {
	tests := []struct {
		in      string
		url     string
		bad     bool
		webOnly bool
	}{
		{`<query xmlns="jabber:iq:register"><instructions>Visit the page</instructions><x xmlns="jabber:x:oob"><url>https://example.org/register</url></x></query>`, "https://example.org/register", false, true},
		{`<query xmlns="jabber:iq:register"><x xmlns="jabber:x:oob"><url> http://example.org/r?a=1 </url><desc>d</desc></x><username/><password/></query>`, "http://example.org/r?a=1", false, false},
		{`<query xmlns="jabber:iq:register"><x xmlns="jabber:x:oob"><url>javascript:alert(1)</url></x></query>`, "", true, true},
		{`<query xmlns="jabber:iq:register"><x xmlns="jabber:x:oob"><url>https://example.org/&#x9b;2J</url></x></query>`, "", true, true},
		{`<query xmlns="jabber:iq:register"><x xmlns="jabber:x:oob"><url>https://user:pw@example.org/</url></x></query>`, "", true, true},
		{`<query xmlns="jabber:iq:register"><x xmlns="jabber:x:oob"><url>https://example.org/` + strings.Repeat("a", MaxURL) + `</url></x></query>`, "", true, true},
		{`<query xmlns="jabber:iq:register"><x xmlns="jabber:x:oob"><url>https://example.org/&#x202e;gpj.exe</url></x></query>`, "", true, true},
		{`<query xmlns="jabber:iq:register"><x xmlns="jabber:x:oob"><url>xmpp:admin@example.org</url></x></query>`, "xmpp:admin@example.org", false, true},
		{`<query xmlns="jabber:iq:register"><username/></query>`, "", false, false},
	}
	for _, tt := range tests {
		q, err := decode(t, tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if q.URL != tt.url || q.BadURL != tt.bad || q.WebOnly() != tt.webOnly {
			t.Errorf("%s: url %q bad %v webOnly %v", tt.in, q.URL, q.BadURL, q.WebOnly())
		}
	}
}

func TestParseHostile(t *testing.T) {
	var many strings.Builder
	many.WriteString(`<query xmlns="jabber:iq:register">`)
	for range 100 {
		many.WriteString("<username>x</username><email/><nick/>")
	}
	many.WriteString(`<instructions>` + strings.Repeat("é", MaxText) + `</instructions></query>`)
	q, err := decode(t, many.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Fields) != 3 || !q.Cut || len(q.Instructions) > MaxText || !strings.HasSuffix(q.Instructions, "é") {
		t.Errorf("fields %d cut %v instructions %d bytes", len(q.Fields), q.Cut, len(q.Instructions))
	}

	var deep strings.Builder
	deep.WriteString(`<query xmlns="jabber:iq:register">`)
	for range MaxTokens {
		deep.WriteString("<a/>")
	}
	deep.WriteString(`</query>`)
	if _, err := decode(t, deep.String()); !errors.Is(err, ErrTooLarge) {
		t.Errorf("huge answer: err %v", err)
	}

	// A huge form: bounded by package forms, marked cut.
	var form strings.Builder
	form.WriteString(`<query xmlns="jabber:iq:register"><x xmlns="jabber:x:data" type="form">`)
	for i := range forms.MaxFields + 50 {
		form.WriteString(`<field type="text-single" var="f` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + `"><value>v</value></field>`)
	}
	form.WriteString(`</x><x xmlns="jabber:x:data"><field var="second"/></x></query>`)
	q, err = decode(t, form.String())
	if err != nil {
		t.Fatal(err)
	}
	if q.Form == nil || len(q.Form.Fields) > forms.MaxFields || q.Form.Field("second") != nil {
		t.Errorf("form %+v", q.Form)
	}

	if _, err := decode(t, `<query xmlns="jabber:iq:register"><username>`); err == nil {
		t.Error("a broken stream gave no error")
	}
	if _, err := decode(t, `<other xmlns="jabber:iq:register"/>`); !errors.Is(err, ErrNotQuery) {
		t.Errorf("not a query: %v", err)
	}
}

func TestPayloads(t *testing.T) {
	for r, want := range map[xml.TokenReader]string{
		Get():                         `<query xmlns="jabber:iq:register"></query>`,
		Remove():                      `<query xmlns="jabber:iq:register"><remove xmlns="jabber:iq:register"></remove></query>`,
		ChangePassword("bob", "a<&b"): `<query xmlns="jabber:iq:register"><username xmlns="jabber:iq:register">bob</username><password xmlns="jabber:iq:register">a&lt;&amp;b</password></query>`,
	} {
		if got := encode(t, r); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(prosodyAnswer)
	f.Add(`<query xmlns="jabber:iq:register"><username/><password/><key>k</key><x xmlns="jabber:x:oob"><url>https://e.org/</url></x></query>`)
	f.Add(`<query xmlns="jabber:iq:register"><registered/><username>a</username></query>`)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := decode(t, s)
		if err != nil {
			return
		}
		if len(q.Fields) > MaxFields || len(q.Instructions) > MaxText || len(q.URL) > MaxURL {
			t.Fatalf("limits exceeded: %+v", q)
		}
		if q.URL != "" {
			if _, ok := CleanURL(q.URL); !ok {
				t.Fatalf("kept a bad URL %q", q.URL)
			}
		}
		fill := q.Fill()
		for i := range fill.Fields {
			if fill.Fields[i].Editable() {
				fill.Fields[i].SetText("v")
			}
		}
		out := encode(t, q.Submission(fill))
		d := xml.NewDecoder(strings.NewReader(out))
		for {
			if _, err := d.Token(); err != nil {
				if err.Error() != "EOF" {
					t.Fatalf("submission is not well-formed: %v\n%s", err, out)
				}
				break
			}
		}
	})
}
