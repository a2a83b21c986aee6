package xmlconsole

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var t0 = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func TestFormatPretty(t *testing.T) {
	in := `<message from='a@x/r' type='chat' xmlns='jabber:client'><body>hi there</body><active xmlns='http://jabber.org/protocol/chatstates'/><x><y>one
two</y><!-- c --></x></message>`
	e := Format(t0, In, []byte(in), false)
	want := `<message from='a@x/r' type='chat' xmlns='jabber:client'>
  <body>hi there</body>
  <active xmlns='http://jabber.org/protocol/chatstates'/>
  <x>
    <y>
      one
      two
    </y>
    <!-- c -->
  </x>
</message>`
	if e.Text != want {
		t.Errorf("got\n%s\nwant\n%s", e.Text, want)
	}
	checkSpans(t, e)
	kinds := map[string]Kind{}
	for _, s := range e.Spans {
		kinds[e.Text[s.Start:s.End]] = s.Kind
	}
	for s, k := range map[string]Kind{"message": Name, "from": AttrName, "a@x/r": AttrValue, "hi there": Text} {
		if kinds[s] != k {
			t.Errorf("span %q: kind %d, want %d", s, kinds[s], k)
		}
	}
}

// checkSpans checks the spans cover the text in order, on rune boundaries.
func checkSpans(t *testing.T, e Entry) {
	t.Helper()
	at := 0
	for _, s := range e.Spans {
		if s.Start != at || s.End <= s.Start || s.End > len(e.Text) {
			t.Fatalf("span %+v at %d of %d bytes", s, at, len(e.Text))
		}
		if !utf8.RuneStart(e.Text[s.Start]) || s.End < len(e.Text) && !utf8.RuneStart(e.Text[s.End]) {
			t.Fatalf("span %+v not on a rune boundary", s)
		}
		at = s.End
	}
	if at != len(e.Text) {
		t.Fatalf("spans end at %d of %d", at, len(e.Text))
	}
}

// TestRedact: every secret of the table is replaced, the rest shown.
func TestRedact(t *testing.T) {
	const pw = "s3cr3t-pw"
	cases := map[string]string{
		"register":        `<iq type='set' id='1'><query xmlns='jabber:iq:register'><username>bob</username><password>` + pw + `</password></query></iq>`,
		"register form":   `<iq type='set' id='1'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='password'><value>` + pw + `</value></field></x></query></iq>`,
		"muc join":        `<presence to='r@muc/n'><x xmlns='http://jabber.org/protocol/muc'><password>` + pw + `</password></x></presence>`,
		"room config":     `<iq type='set' id='2'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_roomsecret'><value>` + pw + `</value></field></x></query></iq>`,
		"config form in":  `<iq type='result' id='2'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='form'><field var='x' type='text-private' label='Key'><value>` + pw + `</value></field></x></query></iq>`,
		"bookmark":        `<message><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:bookmarks:1'><item id='r@m'><conference xmlns='urn:xmpp:bookmarks:1'><nick>n</nick><password>` + pw + `</password></conference></item></items></event></message>`,
		"direct invite":   `<message><x xmlns='jabber:x:conference' jid='r@m' password='` + pw + `'/></message>`,
		"mediated invite": `<message><x xmlns='http://jabber.org/protocol/muc#user'><invite to='b@x'/><password>` + pw + `</password></x></message>`,
		"upload header":   `<iq type='result'><slot xmlns='urn:xmpp:http:upload:0'><put url='https://u/x'><header name='Authorization'>Basic ` + pw + `</header></put></slot></iq>`,
		"sasl":            `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>` + pw + `</auth>`,
		"sasl prefixed":   `<s:response xmlns:s='urn:ietf:params:xml:ns:xmpp-sasl'>` + pw + `</s:response>`,
		"iq auth":         `<iq type='set'><query xmlns='jabber:iq:auth'><username>u</username><digest>` + pw + `</digest></query></iq>`,
		"comment":         `<iq><query xmlns='jabber:iq:register'><password><!-- ` + pw + ` --></password></query></iq>`,
		"cut":             `<iq><query xmlns='jabber:iq:register'><password>` + pw,
		"attr of secret":  `<iq><query xmlns='jabber:iq:register'><password value='` + pw + `'/></query></iq>`,
	}
	for name, in := range cases {
		e := Format(t0, Out, []byte(in), name == "cut")
		if strings.Contains(e.Text, pw) || strings.Contains(e.Text, "s3cr3t") {
			t.Errorf("%s: secret shown:\n%s", name, e.Text)
		}
		if e.Hidden == 0 || !strings.Contains(e.Text, HiddenText) {
			t.Errorf("%s: nothing hidden:\n%s", name, e.Text)
		}
		checkSpans(t, e)
	}
	e := Format(t0, Out, []byte(`<iq><query xmlns='jabber:iq:register'><username>bob</username><password>x</password></query></iq>`), false)
	if !strings.Contains(e.Text, "<username>bob</username>") {
		t.Errorf("the rest not shown:\n%s", e.Text)
	}
}

// TestFormatHostile: control characters and escapes never reach the text,
// deep nesting folds, huge attributes are cut, malformed input is marked.
func TestFormatHostile(t *testing.T) {
	cases := map[string]string{
		"ansi":       "<message><body>\x1b[31mred\x1b]0;title\x07 \u202eevil</body></message>",
		"ansi attr":  "<message from='\x1b[2J&#x1b;[H'/>",
		"deep":       strings.Repeat("<a>", 500) + "x" + strings.Repeat("</a>", 500),
		"huge attr":  "<message to='" + strings.Repeat("A", 200000) + "'/>",
		"many":       "<iq>" + strings.Repeat("<a/>", 40000) + "</iq>",
		"malformed":  "<message><body>hi</message>",
		"truncated":  "<message><body>hi",
		"not utf8":   "<message><body>\xff\xfe</body></message>",
		"entity":     "<message><body>&#27;[31m&#x202e;</body></message>",
		"pi":         "<message><?evil x?><body>a</body></message>",
		"two":        "<a/><b/>",
		"empty":      "",
		"bare text":  "text\x1b[0m",
		"cdata":      "<message><body><![CDATA[\x1b[31m<b>]]></body></message>",
		"long lines": "<message><body>" + strings.Repeat("word ", 100000) + "</body></message>",
	}
	for name, in := range cases {
		e := Format(t0, In, []byte(in), false)
		checkHostile(t, name, e)
	}
}

func checkHostile(t *testing.T, name string, e Entry) {
	t.Helper()
	for _, r := range e.Text {
		if r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == '\u202e') {
			t.Fatalf("%s: rune %U in the text", name, r)
		}
	}
	if len(e.Text) > maxText+1024 {
		t.Fatalf("%s: %d bytes of text", name, len(e.Text))
	}
	if strings.Count(e.Text, "\n") > 0 {
		for _, l := range strings.Split(e.Text, "\n") {
			if len(l) > maxLine+2*maxIndent+512 {
				t.Fatalf("%s: a line of %d bytes", name, len(l))
			}
		}
	}
	checkSpans(t, e)
}

func FuzzFormat(f *testing.F) {
	for _, s := range []string{
		"<message><body>hi</body></message>",
		"<iq><query xmlns='jabber:iq:register'><password>p</password></query></iq>",
		strings.Repeat("<a>", 100),
		"<m a='\x1b[31m'>\x9b2J</m>",
		"<s:x xmlns:s='urn:ietf:params:xml:ns:xmpp-sasl'>p</s:x>",
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, cut bool) {
		e := Format(t0, In, data, cut)
		checkHostile(t, "fuzz", e)
		if strings.Count(string(data), "PW") == 1 && strings.Contains(string(data), "<password>PW") && strings.Contains(e.Text, "PW") {
			t.Fatalf("password shown: %s", e.Text)
		}
	})
}

// BenchmarkFormat formats a typical chat message (on the console's
// worker goroutine, never under the reader).
func BenchmarkFormat(b *testing.B) {
	in := []byte(`<message from='alice@example.org/laptop' to='me@example.org/desk' type='chat' id='a1b2c3'><body>hello there, how are you today?</body><active xmlns='http://jabber.org/protocol/chatstates'/><origin-id xmlns='urn:xmpp:sid:0' id='a1b2c3'/><stanza-id xmlns='urn:xmpp:sid:0' by='me@example.org' id='Zz9'/><markable xmlns='urn:xmpp:chat-markers:0'/></message>`)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		Format(t0, In, in, false)
	}
}
