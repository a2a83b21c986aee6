package caps

import (
	"bytes"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mellium.im/xmlstream"
)

// The two examples of XEP-0115 §5.2 and §5.3.
const simpleAnswer = `<query xmlns='http://jabber.org/protocol/disco#info' node='http://code.google.com/p/exodus#QgayPKawpkPSDYmwT/WM94uAlu0='>
<identity category='client' name='Exodus 0.9.1' type='pc'/>
<feature var='http://jabber.org/protocol/caps'/>
<feature var='http://jabber.org/protocol/disco#info'/>
<feature var='http://jabber.org/protocol/disco#items'/>
<feature var='http://jabber.org/protocol/muc'/>
</query>`

const complexAnswer = `<query xmlns='http://jabber.org/protocol/disco#info' node='http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w='>
<identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>
<identity xml:lang='el' category='client' name='Ψ 0.11' type='pc'/>
<feature var='http://jabber.org/protocol/caps'/>
<feature var='http://jabber.org/protocol/disco#info'/>
<feature var='http://jabber.org/protocol/disco#items'/>
<feature var='http://jabber.org/protocol/muc'/>
<x xmlns='jabber:x:data' type='result'>
<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>
<field var='ip_version'><value>ipv4</value><value>ipv6</value></field>
<field var='os'><value>Mac</value></field>
<field var='os_version'><value>10.5.1</value></field>
<field var='software'><value>Psi</value></field>
<field var='software_version'><value>0.11</value></field>
</x>
</query>`

func parse(t testing.TB, s string) (Info, error) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		tok, err := d.Token()
		if err != nil {
			return Info{}, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return ParseInfo(se, d)
		}
	}
}

func TestVerXEPExamples(t *testing.T) {
	for _, tc := range []struct{ name, xml, ver string }{
		{"simple", simpleAnswer, "QgayPKawpkPSDYmwT/WM94uAlu0="},
		{"complex", complexAnswer, "q07IKJEyjvHSyhy//CH0CxmKi8w="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := parse(t, tc.xml)
			if err != nil {
				t.Fatal(err)
			}
			if got := Ver(info); got != tc.ver {
				t.Fatalf("ver %s, want %s (info %+v)", got, tc.ver, info)
			}
		})
	}
}

// TestQueryRoundTrip: what we answer hashes, once parsed, to what we
// announce.
func TestQueryRoundTrip(t *testing.T) {
	info := Info{Identities: []Identity{{Category: "client", Type: "console", Name: "parley"}},
		Features: []string{"urn:xmpp:receipts", "eu.siacs.conversations.axolotl.devicelist+notify", NSInfo}}
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	r := Query("n#"+Ver(info), info)
	if _, err := xmlstream.Copy(enc, r); err != nil {
		t.Fatal(err)
	}
	enc.Flush()
	got, err := parse(t, buf.String())
	if err != nil {
		t.Fatal(err)
	}
	if Ver(got) != Ver(info) {
		t.Fatalf("round trip changed the hash: %s", buf.String())
	}
}

func TestFromStart(t *testing.T) {
	ok := xml.StartElement{Name: xml.Name{Space: NS, Local: "c"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "hash"}, Value: "sha-1"}, {Name: xml.Name{Local: "node"}, Value: "n"},
		{Name: xml.Name{Local: "ver"}, Value: "QgayPKawpkPSDYmwT/WM94uAlu0="}}}
	if c, good := FromStart(ok); !good || c.Ver != "QgayPKawpkPSDYmwT/WM94uAlu0=" {
		t.Fatalf("%+v %v", c, good)
	}
	for _, bad := range []string{"", "short", "QgayPKawpkPSDYmwT/WM94uAlu0", strings.Repeat("A", 4000)} {
		se := ok.Copy()
		se.Attr[2].Value = bad
		if _, good := FromStart(se); good {
			t.Errorf("ver %q accepted", bad)
		}
	}
	md5 := ok.Copy()
	md5.Attr[0].Value = "md5"
	if _, good := FromStart(md5); good {
		t.Error("md5 accepted")
	}
}

func TestParseInfoBounds(t *testing.T) {
	many := func(n int, el string) string {
		return `<query xmlns='http://jabber.org/protocol/disco#info'>` + strings.Repeat(el, n) + `</query>`
	}
	for _, tc := range []struct{ name, xml string }{
		{"features", many(MaxFeatures+1, `<feature var='x'/>`)},
		{"identities", many(MaxIdentities+1, `<identity category='c' type='t'/>`)},
		{"long feature", many(1, `<feature var='`+strings.Repeat("x", MaxString+1)+`'/>`)},
		{"tokens", many(maxTokens, `<junk/>`)},
		{"cut", `<query xmlns='http://jabber.org/protocol/disco#info'><feature var='x'/>`},
		{"two form types", many(1, `<x xmlns='jabber:x:data'><field var='FORM_TYPE'><value>a</value></field><field var='FORM_TYPE'><value>b</value></field></x>`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parse(t, tc.xml); !errors.Is(err, ErrMalformed) {
				t.Fatalf("err %v", err)
			}
		})
	}
}

func TestCachePersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "caps")
	c, warn, err := Open(path)
	if err != nil || len(warn) > 0 {
		t.Fatal(err, warn)
	}
	info, _ := parse(t, simpleAnswer)
	if err := c.Put("QgayPKawpkPSDYmwT/WM94uAlu0=", info); err != nil {
		t.Fatal(err)
	}
	if err := c.Put("q07IKJEyjvHSyhy//CH0CxmKi8w=", info); err == nil {
		t.Fatal("an answer that does not hash to the ver was cached")
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("file: %v %v", st, err)
	}
	c2, warn, err := Open(path)
	if err != nil || len(warn) > 0 {
		t.Fatal(err, warn)
	}
	fs, ok := c2.Get("QgayPKawpkPSDYmwT/WM94uAlu0=")
	if !ok || len(fs) != 4 || fs[0] != "http://jabber.org/protocol/caps" {
		t.Fatalf("reloaded %v %v", fs, ok)
	}
}

// TestCacheBounded: the cache keeps MaxEntries, dropping the oldest.
func TestCacheBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "caps")
	c, _, _ := Open(path)
	var first string
	for i := 0; i < MaxEntries+5; i++ {
		info := Info{Features: []string{"f" + strings.Repeat("x", i%7), string(rune('a' + i%26)), itoa(i)}}
		v := Ver(info)
		if i == 0 {
			first = v
		}
		if err := c.Put(v, info); err != nil {
			t.Fatal(err)
		}
	}
	if c.Len() != MaxEntries {
		t.Fatalf("%d entries", c.Len())
	}
	if _, ok := c.Get(first); ok {
		t.Fatal("the oldest entry was kept")
	}
	c2, warn, err := Open(path)
	if err != nil || len(warn) > 0 || c2.Len() != MaxEntries {
		t.Fatal(err, warn, c2.Len())
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestCacheCrafted: crafted and damaged files never crash, bad lines are
// named and skipped, a foreign or huge file is refused.
func TestCacheCrafted(t *testing.T) {
	good := "QgayPKawpkPSDYmwT/WM94uAlu0= a b"
	for _, tc := range []struct {
		name    string
		data    string
		entries int
		warns   int
		err     bool
	}{
		{"empty", "", 0, 0, false},
		{"header only", cacheHeader + "\n", 0, 0, false},
		{"good", cacheHeader + "\n" + good + "\n", 1, 0, false},
		{"foreign", "something else\n" + good + "\n", 0, 0, true},
		{"bad ver", cacheHeader + "\nnot-a-ver a b\n" + good + "\n", 1, 1, false},
		{"control", cacheHeader + "\nQgayPKawpkPSDYmwT/WM94uAlu0= a\x1bb\n", 0, 1, false},
		{"empty feature", cacheHeader + "\nQgayPKawpkPSDYmwT/WM94uAlu0= a  b\n", 0, 1, false},
		{"too many features", cacheHeader + "\nQgayPKawpkPSDYmwT/WM94uAlu0=" + strings.Repeat(" f", MaxFeatures+1) + "\n", 0, 1, false},
		{"huge", cacheHeader + "\n" + strings.Repeat("#", maxCacheFile) + "\n", 0, 0, true},
		{"no newline", cacheHeader + "\n" + good, 1, 0, false},
		{"nul", cacheHeader + "\n\x00\x00\n", 0, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "caps")
			if err := os.WriteFile(path, []byte(tc.data), 0o600); err != nil {
				t.Fatal(err)
			}
			c, warn, err := Open(path)
			if (err != nil) != tc.err || len(warn) != tc.warns || c.Len() != tc.entries {
				t.Fatalf("err %v warn %v entries %d", err, warn, c.Len())
			}
			for _, w := range warn {
				if !strings.HasPrefix(w, path+":") {
					t.Errorf("warning %q does not name file and line", w)
				}
			}
		})
	}
}

func FuzzParseInfo(f *testing.F) {
	f.Add(simpleAnswer)
	f.Add(complexAnswer)
	f.Add(`<query xmlns='http://jabber.org/protocol/disco#info'><x xmlns='jabber:x:data'><field var='FORM_TYPE'/></x></query>`)
	f.Fuzz(func(t *testing.T, s string) {
		info, err := parse(t, s)
		if err == nil {
			_ = Ver(info)
			if len(info.Features) > MaxFeatures || len(info.Identities) > MaxIdentities || len(info.Forms) > MaxForms {
				t.Fatal("bounds exceeded")
			}
		}
	})
}

func FuzzCacheFile(f *testing.F) {
	f.Add(cacheHeader + "\nQgayPKawpkPSDYmwT/WM94uAlu0= a b\n")
	f.Add("x")
	f.Fuzz(func(t *testing.T, s string) {
		path := filepath.Join(t.TempDir(), "caps")
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		c, _, _ := Open(path)
		if c.Len() > MaxEntries {
			t.Fatal("too many entries")
		}
	})
}

// TestAnswerIsQuery: the prebuilt answer writes what Query writes, with
// and without a node, read token by token or copied, and again.
func TestAnswerIsQuery(t *testing.T) {
	info := Info{Identities: []Identity{{Category: "client", Type: "console", Name: "parley", Lang: "en"}},
		Features: []string{"urn:xmpp:receipts", "eu.siacs.conversations.axolotl.devicelist+notify", NSInfo}}
	encode := func(r xml.TokenReader, viaToken bool) string {
		var buf bytes.Buffer
		enc := xml.NewEncoder(&buf)
		if viaToken {
			r = struct{ xml.TokenReader }{r} // hides WriteXML
		}
		if _, err := xmlstream.Copy(enc, r); err != nil {
			t.Fatal(err)
		}
		enc.Flush()
		return buf.String()
	}
	a := NewAnswer(info)
	for _, node := range []string{"", "n#" + Ver(info)} {
		want := encode(Query(node, info), true)
		for i := 0; i < 2; i++ {
			if got := encode(a.Query(node), i == 0); got != want {
				t.Fatalf("node %q: answer\n%s\nwant\n%s", node, got, want)
			}
		}
	}
	if testing.AllocsPerRun(10, func() { encode(a.Query(""), false) }) >= testing.AllocsPerRun(10, func() { encode(Query("", info), false) }) {
		t.Error("the answer allocates as much as Query")
	}
}
