package sm

import (
	"encoding/xml"
	"strings"
	"sync"
	"testing"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
)

// TestFastPath sends messages the fast path reads and others it leaves to
// mellium's decoder, interleaved with a presence: the handler sees them
// all in order with the same content, a from equal to the account's bare
// JID blanked as mellium blanks it, replies written through the fast
// path's writer reach the server, and stream management counts every
// stanza.
func TestFastPath(t *testing.T) {
	st := New(Options{})
	s, f := connect(t, st, freshScript(t, "me@example.net/res-1"))
	var mu sync.Mutex
	var got []string
	h := st.Handler(xmpp.HandlerFunc(func(r xmlstream.TokenReadEncoder, start *xml.StartElement) error {
		if start.Name.Local != "message" {
			return nil
		}
		var m struct {
			From string `xml:"from,attr"`
			Body string `xml:"body"`
			Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
			X    struct {
				Space string `xml:"xmlns,attr"`
				V     string `xml:",chardata"`
			} `xml:"urn:x x"`
		}
		if err := xml.NewTokenDecoder(xmlstream.MultiReader(xmlstream.Token(*start), r)).Decode(&m); err != nil {
			return err
		}
		mu.Lock()
		got = append(got, start.Name.Space+"|"+m.From+"|"+m.Body+"|"+m.Lang+"|"+m.X.V)
		mu.Unlock()
		if m.Body == "reply" {
			return r.Encode(struct {
				XMLName xml.Name `xml:"message"`
				Body    string   `xml:"body"`
			}{Body: "pong"})
		}
		return nil
	}))
	st.FastPath(s, h)
	done := make(chan error, 1)
	go func() { done <- s.Serve(h) }()

	f.send(`<message from='peer@example.net/x'><body>one &amp; &lt;two&gt;</body></message>` +
		"\n" + `<presence from='peer@example.net/x'/>` +
		`<message from='peer@example.net/x'><body><![CDATA[slow]]></body></message>` +
		`<message from="me@example.net" xml:lang="en"><body>self</body><x xmlns="urn:x">é</x></message>` +
		`<message from='peer@example.net/x'><body>reply</body></message>` +
		`<r xmlns='urn:xmpp:sm:3'/>`)
	if m := f.expect("message"); !strings.Contains(m.Inner, "pong") {
		t.Errorf("reply %q", m.Inner)
	}
	f.expect("r") // the client asks for an acknowledgement of its reply
	if a := f.expect("a"); a.attr("h") != "5" {
		t.Errorf("a h=%s, want 5", a.attr("h"))
	}
	// A message cut by the end of a read, behind other bytes: the fast
	// path reads the rest behind it.
	f.send(`<presence from='peer@example.net/x'/><message from='peer@example.net/x'><body>sp`)
	f.send(`lit</body></message><r xmlns='urn:xmpp:sm:3'/>`)
	if a := f.expect("a"); a.attr("h") != "7" {
		t.Errorf("a h=%s, want 7", a.attr("h"))
	}
	mu.Lock()
	want := []string{
		"jabber:client|peer@example.net/x|one & <two>||",
		"jabber:client|peer@example.net/x|slow||",
		"jabber:client||self|en|é",
		"jabber:client|peer@example.net/x|reply||",
		"jabber:client|peer@example.net/x|split||",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("handled:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	mu.Unlock()
	st.mu.Lock()
	c := st.cur
	st.mu.Unlock()
	if n := c.fast.n.Load(); n != 4 {
		t.Errorf("%d messages took the fast path, want 4 (all but the CDATA one)", n)
	}
	// The link dies in the middle of a message read ahead: Serve ends.
	f.send(`<presence from='peer@example.net/x'/><message from='peer@example.net/x'><body>cut`)
	f.c.Close()
	if err := <-done; err == nil {
		t.Error("Serve ended without an error on a cut stream")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Errorf("the cut message was handled: %q", got[len(got)-1])
	}
}
