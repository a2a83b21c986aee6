package forms

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func decodeString(t testing.TB, s string) *Form {
	t.Helper()
	f, err := Decode(xml.NewDecoder(strings.NewReader(s)))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return f
}

func encode(t testing.TB, f *Form) string {
	t.Helper()
	var b bytes.Buffer
	e := xml.NewEncoder(&b)
	r := f.TokenReader()
	for {
		tok, err := r.Token()
		if tok != nil {
			if err := e.EncodeToken(tok); err != nil {
				t.Fatal(err)
			}
		}
		if err != nil {
			break
		}
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

const roomConfig = `<x xmlns="jabber:x:data" type="form">
<title>Configuration for lounge</title>
<instructions>Fill in the form</instructions>
<field var="FORM_TYPE" type="hidden"><value>http://jabber.org/protocol/muc#roomconfig</value></field>
<field type="fixed"><value>Room settings</value></field>
<field var="muc#roomconfig_roomname" type="text-single" label="Name"><value>Lounge</value></field>
<field var="muc#roomconfig_roomdesc" type="text-multi" label="Description"><value>a</value><value>b</value></field>
<field var="muc#roomconfig_persistentroom" type="boolean" label="Persistent"><value>0</value></field>
<field var="muc#roomconfig_roomsecret" type="text-private" label="Password"/>
<field var="muc#roomconfig_whois" type="list-single" label="Who may see addresses"><required/>
  <option label="Moderators"><value>moderators</value></option><option label="Anyone"><value>anyone</value></option><value>moderators</value></field>
<field var="muc#roomconfig_presencebroadcast" type="list-multi"><option><value>moderator</value></option><option><value>visitor</value></option><value>moderator</value></field>
<field var="muc#roomconfig_roomadmins" type="jid-multi"><desc>Admins</desc><value>a@example.org</value></field>
<field var="owner" type="jid-single"/>
<field var="odd" type="no-such-type"><value>x</value></field>
</x>`

func TestParseFieldTypes(t *testing.T) {
	f := decodeString(t, roomConfig)
	if f.Type != TypeForm || f.Title != "Configuration for lounge" || len(f.Instructions) != 1 || f.Cut {
		t.Fatalf("form header: %+v", f)
	}
	if got := f.FormType(); got != "http://jabber.org/protocol/muc#roomconfig" {
		t.Errorf("FormType = %q", got)
	}
	tests := []struct {
		v, typ string
		values []string
		opts   int
		req    bool
	}{
		{"muc#roomconfig_roomname", TextSingle, []string{"Lounge"}, 0, false},
		{"muc#roomconfig_roomdesc", TextMulti, []string{"a", "b"}, 0, false},
		{"muc#roomconfig_persistentroom", Boolean, []string{"0"}, 0, false},
		{"muc#roomconfig_roomsecret", TextPrivate, nil, 0, false},
		{"muc#roomconfig_whois", ListSingle, []string{"moderators"}, 2, true},
		{"muc#roomconfig_presencebroadcast", ListMulti, []string{"moderator"}, 2, false},
		{"muc#roomconfig_roomadmins", JIDMulti, []string{"a@example.org"}, 0, false},
		{"owner", JIDSingle, nil, 0, false},
		{"odd", TextSingle, []string{"x"}, 0, false},
	}
	for _, tt := range tests {
		fd := f.Field(tt.v)
		if fd == nil {
			t.Errorf("no field %s", tt.v)
			continue
		}
		if fd.Type != tt.typ || !reflect.DeepEqual(fd.Values, tt.values) || len(fd.Options) != tt.opts || fd.Required != tt.req {
			t.Errorf("field %s = %+v", tt.v, *fd)
		}
	}
	if f.Fields[1].Type != Fixed || f.Fields[1].Value() != "Room settings" {
		t.Errorf("fixed field = %+v", f.Fields[1])
	}
}

func TestRoundTrip(t *testing.T) {
	f := decodeString(t, roomConfig)
	back := decodeString(t, encode(t, f))
	if !reflect.DeepEqual(f, back) {
		t.Errorf("round trip changed the form:\n%+v\n%+v", f, back)
	}
}

func TestSubmit(t *testing.T) {
	f := decodeString(t, roomConfig)
	f.Field("muc#roomconfig_roomname").SetText("New name")
	f.Field("muc#roomconfig_persistentroom").SetBool(true)
	f.Field("muc#roomconfig_presencebroadcast").Toggle("visitor")
	f.Field("muc#roomconfig_roomadmins").SetText(" a@example.org\n\n b@example.org ")
	s := f.Submit()
	if s.Type != TypeSubmit {
		t.Fatalf("type %q", s.Type)
	}
	for _, fd := range s.Fields {
		if fd.Type == Fixed || fd.Label != "" || fd.Options != nil {
			t.Errorf("submitted field carries more than var, type, values: %+v", fd)
		}
	}
	back := decodeString(t, encode(t, s))
	want := map[string][]string{
		"FORM_TYPE":                        {"http://jabber.org/protocol/muc#roomconfig"},
		"muc#roomconfig_roomname":          {"New name"},
		"muc#roomconfig_persistentroom":    {"1"},
		"muc#roomconfig_presencebroadcast": {"moderator", "visitor"},
		"muc#roomconfig_roomadmins":        {"a@example.org", "b@example.org"},
		"muc#roomconfig_whois":             {"moderators"},
		"muc#roomconfig_roomdesc":          {"a", "b"},
	}
	for v, vals := range want {
		if fd := back.Field(v); fd == nil || !reflect.DeepEqual(fd.Values, vals) {
			t.Errorf("submitted %s = %+v, want %q", v, fd, vals)
		}
	}
	if !strings.Contains(encode(t, &Form{Type: TypeCancel}), `type="cancel"`) {
		t.Error("cancel form has no type cancel")
	}
}

func TestValidate(t *testing.T) {
	opts := []Option{{Value: "a"}, {Value: "b"}}
	tests := []struct {
		name string
		fd   Field
		want string
	}{
		{"required empty", Field{Var: "x", Type: TextSingle, Required: true}, "required"},
		{"required blank", Field{Var: "x", Type: TextSingle, Required: true, Values: []string{"  "}}, "required"},
		{"optional empty", Field{Var: "x", Type: TextSingle}, ""},
		{"two lines", Field{Var: "x", Type: TextSingle, Values: []string{"a\nb"}}, "must be one line"},
		{"two values", Field{Var: "x", Type: TextPrivate, Values: []string{"a", "b"}}, "takes one value"},
		{"multi lines", Field{Var: "x", Type: TextMulti, Values: []string{"a", "b"}}, ""},
		{"bool ok", Field{Var: "x", Type: Boolean, Values: []string{"true"}}, ""},
		{"bool bad", Field{Var: "x", Type: Boolean, Values: []string{"yes"}}, "must be yes or no"},
		{"jid ok", Field{Var: "x", Type: JIDSingle, Values: []string{"a@b.example"}}, ""},
		{"jid bad", Field{Var: "x", Type: JIDSingle, Values: []string{"a@@b"}}, "not a valid address: a@@b"},
		{"jids bad", Field{Var: "x", Type: JIDMulti, Values: []string{"a@b.example", "@"}}, "not a valid address: @"},
		{"list ok", Field{Var: "x", Type: ListSingle, Options: opts, Values: []string{"b"}}, ""},
		{"list bad", Field{Var: "x", Type: ListSingle, Options: opts, Values: []string{"c"}}, "not one of the choices: c"},
		{"list-multi bad", Field{Var: "x", Type: ListMulti, Options: opts, Values: []string{"a", "z"}}, "not one of the choices: z"},
		{"list-multi required", Field{Var: "x", Type: ListMulti, Options: opts, Required: true}, "required"},
		{"hidden required", Field{Var: "x", Type: Hidden, Required: true}, ""},
		{"fixed", Field{Type: Fixed, Values: []string{"a", "b"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &Form{Fields: []Field{tt.fd}}
			probs := f.Validate()
			got := ""
			if len(probs) > 0 {
				got = probs[0].Text
			}
			if got != tt.want {
				t.Errorf("Validate = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestHostile feeds forms built to exhaust or confuse: every one parses
// within the limits, never failing on size.
func TestHostile(t *testing.T) {
	many := func(n int, f func(i int) string) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(f(i))
		}
		return b.String()
	}
	big := strings.Repeat("é", MaxValue)
	tests := []struct {
		name  string
		xml   string
		check func(t *testing.T, f *Form)
	}{
		{"many fields", `<x xmlns="jabber:x:data" type="form">` + many(5000, func(i int) string { return fmt.Sprintf(`<field var="f%d"/>`, i) }) + `</x>`,
			func(t *testing.T, f *Form) {
				if len(f.Fields) != MaxFields || !f.Cut {
					t.Errorf("%d fields, cut %v", len(f.Fields), f.Cut)
				}
			}},
		{"many options", `<x xmlns="jabber:x:data"><field var="l" type="list-multi">` + many(3000, func(i int) string { return fmt.Sprintf(`<option><value>%d</value></option>`, i) }) + `</field></x>`,
			func(t *testing.T, f *Form) {
				if len(f.Fields[0].Options) != MaxOptions {
					t.Errorf("%d options", len(f.Fields[0].Options))
				}
			}},
		{"huge value", `<x xmlns="jabber:x:data"><field var="v"><value>` + big + big + `</value></field></x>`,
			func(t *testing.T, f *Form) {
				if v := f.Fields[0].Value(); len(v) > MaxValue || !f.Cut || !strings.HasPrefix(big, v) {
					t.Errorf("value of %d bytes, cut %v", len(v), f.Cut)
				}
			}},
		{"deep nesting", `<x xmlns="jabber:x:data"><field var="d">` + strings.Repeat("<a>", 2000) + strings.Repeat("</a>", 2000) + `<value>ok</value></field></x>`,
			func(t *testing.T, f *Form) {
				if f.Fields[0].Value() != "ok" {
					t.Errorf("value %q", f.Fields[0].Value())
				}
			}},
		{"nested value not taken", `<x xmlns="jabber:x:data"><field var="d"><desc><value>no</value></desc></field></x>`,
			func(t *testing.T, f *Form) {
				if len(f.Fields[0].Values) != 0 {
					t.Errorf("values %q", f.Fields[0].Values)
				}
			}},
		{"duplicate var", `<x xmlns="jabber:x:data"><field var="a"><value>1</value></field><field var="a"><value>2</value></field></x>`,
			func(t *testing.T, f *Form) {
				if len(f.Fields) != 1 || f.Fields[0].Value() != "1" {
					t.Errorf("fields %+v", f.Fields)
				}
			}},
		{"long var", `<x xmlns="jabber:x:data"><field var="` + strings.Repeat("v", MaxVar+1) + `"/></x>`,
			func(t *testing.T, f *Form) {
				if len(f.Fields) != 0 {
					t.Errorf("fields %+v", f.Fields)
				}
			}},
		{"escapes kept raw", `<x xmlns="jabber:x:data"><field var="e" label="&#x9b;2J[red]&#x85;t&#x202e;"/></x>`,
			func(t *testing.T, f *Form) {
				if f.Fields[0].Label != "\u009b2J[red]\u0085t\u202e" {
					t.Errorf("label %q", f.Fields[0].Label)
				}
			}},
		{"foreign namespace", `<x xmlns="jabber:x:data"><field xmlns="urn:other" var="no"/><field var="yes"/></x>`,
			func(t *testing.T, f *Form) {
				if len(f.Fields) != 1 || f.Fields[0].Var != "yes" {
					t.Errorf("fields %+v", f.Fields)
				}
			}},
		{"many rows", `<x xmlns="jabber:x:data" type="result"><reported><field var="jid"/></reported>` + many(2000, func(i int) string { return `<item><field var="jid"><value>a@b</value></field></item>` }) + `</x>`,
			func(t *testing.T, f *Form) {
				if len(f.Items) != MaxItems || len(f.Reported) != 1 || f.Type != TypeResult {
					t.Errorf("%d rows, %d columns", len(f.Items), len(f.Reported))
				}
			}},
		{"total budget", `<x xmlns="jabber:x:data">` + many(200, func(i int) string { return fmt.Sprintf(`<field var="f%d"><value>%s</value></field>`, i, big) }) + `</x>`,
			func(t *testing.T, f *Form) {
				n := 0
				for _, fd := range f.Fields {
					n += len(fd.Value())
				}
				if n > MaxTotal || !f.Cut {
					t.Errorf("%d bytes kept", n)
				}
			}},
		{"unknown type attr", `<x xmlns="jabber:x:data" type="weird"/>`,
			func(t *testing.T, f *Form) {
				if f.Type != TypeForm {
					t.Errorf("type %q", f.Type)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, decodeString(t, tt.xml))
		})
	}
}

func TestParseErrors(t *testing.T) {
	if _, err := Decode(xml.NewDecoder(strings.NewReader(`<x xmlns="other"/>`))); err != ErrNotForm {
		t.Errorf("foreign element: %v", err)
	}
	if _, err := Decode(xml.NewDecoder(strings.NewReader(`<x xmlns="jabber:x:data"><field var="a">`))); err == nil {
		t.Error("truncated form parsed")
	}
}

// TestParseStopsAtEnd checks that Parse consumes exactly the form: the
// caller's next token is the one after </x>.
func TestParseStopsAtEnd(t *testing.T) {
	d := xml.NewDecoder(strings.NewReader(`<iq><x xmlns="jabber:x:data"><field var="a"/></x><after/></iq>`))
	d.Token()
	if _, err := Decode(d); err != nil {
		t.Fatal(err)
	}
	tok, _ := d.Token()
	if se, ok := tok.(xml.StartElement); !ok || se.Name.Local != "after" {
		t.Errorf("next token %#v", tok)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(roomConfig)
	f.Add(`<x xmlns="jabber:x:data" type="result"><reported><field var="a"/></reported><item><field var="a"><value>1</value></field></item></x>`)
	f.Add(`<x xmlns="jabber:x:data"><field var="l" type="list-single"><option label="A"><value>a</value><value>b</value></option></field></x>`)
	f.Fuzz(func(t *testing.T, s string) {
		form, err := Decode(xml.NewDecoder(strings.NewReader(s)))
		if err != nil {
			return
		}
		if len(form.Fields) > MaxFields || len(form.Items) > MaxItems || len(form.Instructions) > MaxInstructions {
			t.Fatalf("limits exceeded: %d fields %d items", len(form.Fields), len(form.Items))
		}
		for _, fd := range form.Fields {
			if len(fd.Values) > MaxValues || len(fd.Options) > MaxOptions || len(fd.Label) > MaxText || fd.Type == "" {
				t.Fatalf("field over limits: %+v", fd)
			}
		}
		form.Validate()
		again, err := Decode(xml.NewDecoder(strings.NewReader(encode(t, form))))
		if err != nil {
			t.Fatalf("re-encoded form does not parse: %v", err)
		}
		if len(again.Fields) != len(form.Fields) {
			t.Fatalf("round trip: %d fields, then %d", len(form.Fields), len(again.Fields))
		}
	})
}
