package adhoc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"mellium.im/xmlstream"

	"parley/forms"
)

// decode parses the first element of s as a response.
func decode(t testing.TB, s string) (*Response, error) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return Parse(d, se)
		}
	}
}

const stage1 = `<command xmlns="http://jabber.org/protocol/commands" node="http://jabber.org/protocol/admin#announce" sessionid="s1" status="executing">
<actions execute="complete"><prev/><complete/></actions>
<note type="warn">careful</note>
<x xmlns="jabber:x:data" type="form"><title>Announce</title>
<field var="FORM_TYPE" type="hidden"><value>http://jabber.org/protocol/admin</value></field>
<field var="subject" type="text-single" label="Subject"/>
<field var="announcement" type="text-multi" label="Message"><required/></field>
</x></command>`

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		status  string
		actions []string
		deflt   string
		notes   []Note
		form    bool
	}{
		{"stage", stage1, Executing, []string{Prev, Complete}, Complete, []Note{{NoteWarn, "careful"}}, true},
		{"no actions", `<command xmlns="http://jabber.org/protocol/commands" node="n" sessionid="s" status="executing"><x xmlns="jabber:x:data" type="form"/></command>`,
			Executing, []string{Complete}, Complete, nil, true},
		{"next default", `<command xmlns="http://jabber.org/protocol/commands" node="n" sessionid="s" status="executing"><actions><next/><complete/></actions></command>`,
			Executing, []string{Next, Complete}, Next, nil, false},
		{"execute not allowed", `<command xmlns="http://jabber.org/protocol/commands" node="n" sessionid="s" status="executing"><actions execute="prev"><next/></actions></command>`,
			Executing, []string{Next}, Next, nil, false},
		{"completed", `<command xmlns="http://jabber.org/protocol/commands" node="n" status="completed"><note>Done &amp; dusted</note><note type="bogus">x</note></command>`,
			Completed, nil, "", []Note{{NoteInfo, "Done & dusted"}, {NoteInfo, "x"}}, false},
		{"no status", `<command xmlns="http://jabber.org/protocol/commands" node="n"/>`, Completed, nil, "", nil, false},
		{"foreign children", `<command xmlns="http://jabber.org/protocol/commands" node="n" status="canceled"><actions xmlns="urn:other"><next/></actions><x xmlns="urn:other"/></command>`,
			Canceled, nil, "", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := decode(t, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tc.status || r.Default != tc.deflt || strings.Join(r.Actions, ",") != strings.Join(tc.actions, ",") {
				t.Errorf("status %q actions %v default %q; want %q %v %q", r.Status, r.Actions, r.Default, tc.status, tc.actions, tc.deflt)
			}
			if len(r.Notes) != len(tc.notes) {
				t.Fatalf("notes %v, want %v", r.Notes, tc.notes)
			}
			for i := range r.Notes {
				if r.Notes[i] != tc.notes[i] {
					t.Errorf("note %d = %v, want %v", i, r.Notes[i], tc.notes[i])
				}
			}
			if (r.Form != nil) != tc.form {
				t.Errorf("form %v, want one: %v", r.Form, tc.form)
			}
		})
	}
	r, _ := decode(t, stage1)
	if r.SessionID != "s1" || r.Form.Title != "Announce" || r.Form.Field("announcement") == nil || !r.Allows(Cancel) || r.Allows(Next) {
		t.Errorf("stage read wrong: %+v", r)
	}
}

func TestParseRefuses(t *testing.T) {
	long := strings.Repeat("a", MaxSessionID+1)
	for _, in := range []string{
		`<query xmlns="http://jabber.org/protocol/commands"/>`,
		`<command xmlns="urn:other"/>`,
		`<command xmlns="http://jabber.org/protocol/commands" status="running"/>`,
		`<command xmlns="http://jabber.org/protocol/commands" sessionid="` + long + `"/>`,
		`<command xmlns="http://jabber.org/protocol/commands"><note>cut`,
	} {
		if _, err := decode(t, in); err == nil {
			t.Errorf("%.60s: no error", in)
		}
	}
}

func TestParseBounds(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<command xmlns="http://jabber.org/protocol/commands" node="n" status="completed">`)
	for i := 0; i < MaxNotes+10; i++ {
		b.WriteString(`<note>` + strings.Repeat("x", MaxNote+100) + `</note>`)
	}
	b.WriteString(`</command>`)
	r, err := decode(t, b.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Notes) != MaxNotes || len(r.Notes[0].Text) != MaxNote || !r.Cut {
		t.Errorf("%d notes of %d bytes, cut %v", len(r.Notes), len(r.Notes[0].Text), r.Cut)
	}
	// A flood of tokens is refused, not read forever.
	flood := `<command xmlns="http://jabber.org/protocol/commands" node="n">` + strings.Repeat("<a/>", maxTokens) + `</command>`
	if _, err := decode(t, flood); !errors.Is(err, ErrMalformed) {
		t.Errorf("token flood: %v", err)
	}
}

func TestRequest(t *testing.T) {
	f := &forms.Form{Type: forms.TypeForm, Fields: []forms.Field{{Var: "subject", Type: forms.TextSingle, Values: []string{"hi <all>"}}}}
	for _, tc := range []struct {
		req  Request
		want string
	}{
		{Request{Node: "n"}, `<command xmlns="http://jabber.org/protocol/commands" node="n" action="execute"></command>`},
		{Request{Node: "n", SessionID: "s", Action: Cancel}, `<command xmlns="http://jabber.org/protocol/commands" node="n" sessionid="s" action="cancel"></command>`},
		{Request{Node: "n", SessionID: "s", Action: Complete, Form: f.Submit()}, `<command xmlns="http://jabber.org/protocol/commands" node="n" sessionid="s" action="complete"><x xmlns="jabber:x:data" type="submit"><field xmlns="jabber:x:data" var="subject" type="text-single"><value xmlns="jabber:x:data">hi &lt;all&gt;</value></field></x></command>`},
	} {
		var buf bytes.Buffer
		e := xml.NewEncoder(&buf)
		if _, err := xmlstream.Copy(e, tc.req.TokenReader()); err != nil {
			t.Fatal(err)
		}
		e.Flush()
		if buf.String() != tc.want {
			t.Errorf("got  %s\nwant %s", buf.String(), tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(stage1)
	f.Add(`<command xmlns="http://jabber.org/protocol/commands" node="n" status="completed"><note type="error">no</note><x xmlns="jabber:x:data" type="result"><reported><field var="a"/></reported><item><field var="a"><value>1</value></field></item></x></command>`)
	f.Add(`<command xmlns="http://jabber.org/protocol/commands" sessionid="s"><actions execute="next"><next/><next/></actions><actions><prev/></actions></command>`)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := decode(t, s)
		if err != nil {
			return
		}
		if len(r.Notes) > MaxNotes || len(r.SessionID) > MaxSessionID || len(r.Node) > MaxNode {
			t.Fatalf("over the bounds: %d notes", len(r.Notes))
		}
		for _, n := range r.Notes {
			if len(n.Text) > MaxNote || (n.Type != NoteInfo && n.Type != NoteWarn && n.Type != NoteError) {
				t.Fatalf("note over the bounds or typeless: %q", n.Type)
			}
		}
		if r.Status != Executing && r.Status != Completed && r.Status != Canceled {
			t.Fatalf("status %q", r.Status)
		}
		if r.Status == Executing && (len(r.Actions) == 0 || !r.Allows(r.Default)) {
			t.Fatalf("stage without an allowed default: %v %q", r.Actions, r.Default)
		}
	})
}
