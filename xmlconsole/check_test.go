package xmlconsole

import (
	"bytes"
	"encoding/xml"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	good := map[string]string{
		"iq":       `<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>`,
		"ns given": ` <message xmlns='jabber:client' to='a@b'><body>x</body></message>` + "\n",
		"presence": `<presence/>`,
	}
	for name, s := range good {
		toks, err := Check(s)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		st := toks[0].(xml.StartElement)
		if st.Name.Space != NSClient {
			t.Errorf("%s: namespace %q", name, st.Name.Space)
		}
		for _, tok := range toks {
			if s, ok := tok.(xml.StartElement); ok {
				for _, a := range s.Attr {
					if a.Name.Local == "xmlns" || a.Name.Space == "xmlns" {
						t.Errorf("%s: xmlns attribute kept: %v", name, a)
					}
				}
			}
		}
		var b bytes.Buffer
		e := xml.NewEncoder(&b)
		for _, tok := range toks {
			if err := e.EncodeToken(tok); err != nil {
				t.Fatalf("%s: encode: %v", name, err)
			}
		}
		e.Flush()
		if name == "iq" && !strings.Contains(b.String(), `xmlns="urn:xmpp:ping"`) {
			t.Errorf("iq re-encoded as %s", b.String())
		}
	}
	bad := map[string]string{
		"empty":      "  ",
		"two":        "<presence/><presence/>",
		"not stanza": "<r xmlns='urn:xmpp:sm:3'/>",
		"other ns":   "<message xmlns='jabber:server'/>",
		"stream":     "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>",
		"unclosed":   "<message><body>x</message>",
		"truncated":  "<message>",
		"text":       "hello",
		"text after": "<presence/>x",
		"pi":         "<?xml version='1.0'?><presence/>",
		"doctype":    "<!DOCTYPE x [<!ENTITY a 'b'>]><presence/>",
		"deep":       "<iq>" + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + "</iq>",
		"long":       "<message><body>" + strings.Repeat("x", MaxSend) + "</body></message>",
		"entity":     "<message><body>&xxe;</body></message>",
	}
	for name, s := range bad {
		if _, err := Check(s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestInboxBounded: a full inbox drops, counts, and never waits; the
// console reports the drops; acknowledgements are left out.
func TestInboxBounded(t *testing.T) {
	var mu sync.Mutex
	var got []Entry
	block := make(chan struct{})
	c := Start(func(es []Entry) {
		<-block
		mu.Lock()
		got = append(got, es...)
		mu.Unlock()
	})
	defer c.Stop()
	in := c.Inbox()
	in.Element(true, []byte("<message><body>first</body></message>"), false)
	time.Sleep(50 * time.Millisecond) // the worker takes it and waits in emit
	start := time.Now()
	for i := 0; i < 3*MaxPending; i++ {
		in.Element(true, []byte("<message><body>m</body></message>"), false)
	}
	in.Element(false, []byte("<r xmlns='urn:xmpp:sm:3'/>"), false)
	in.Element(true, bytes.Repeat([]byte("x"), 3*MaxElement), false)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the tap took %v", d)
	}
	close(block)
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 2+MaxPending || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	var dropped bool
	for _, e := range got {
		if e.Marker && strings.Contains(e.Text, "stanzas dropped") {
			dropped = true
		}
		if strings.Contains(e.Text, "urn:xmpp:sm:3") {
			t.Errorf("acknowledgement shown: %s", e.Text)
		}
	}
	if !dropped || len(got) > MaxPending+3 {
		t.Errorf("%d entries, dropped marker %v", len(got), dropped)
	}
}

// TestConsoleStop: Stop returns while emit is blocked, and the worker
// ends once emit returns.
func TestConsoleStop(t *testing.T) {
	block := make(chan struct{})
	c := Start(func([]Entry) { <-block })
	c.Inbox().Element(true, []byte("<presence/>"), false)
	time.Sleep(20 * time.Millisecond)
	c.Stop()
	c.Stop()
	close(block)
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the worker did not end")
	}
}

// FuzzCheck: whatever is typed, Check does not panic, and what it accepts
// is one stanza in jabber:client that encodes.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"<presence/>", "<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>", "<message><body>x</message>", "<a:message xmlns:a='jabber:client'/>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks, err := Check(s)
		if err != nil {
			return
		}
		st, ok := toks[0].(xml.StartElement)
		if !ok || st.Name.Space != NSClient || (st.Name.Local != "message" && st.Name.Local != "presence" && st.Name.Local != "iq") {
			t.Fatalf("accepted %q as %v", s, toks[0])
		}
		var b bytes.Buffer
		e := xml.NewEncoder(&b)
		for _, tok := range toks {
			if err := e.EncodeToken(tok); err != nil {
				t.Fatalf("accepted %q, does not encode: %v", s, err)
			}
		}
		if err := e.Flush(); err != nil {
			t.Fatal(err)
		}
	})
}
