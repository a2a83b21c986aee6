package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"parley/account"
	"parley/xmlconsole"
)

// xmlFake is a fake account with an XML console.
type xmlFake struct {
	*fakeAccount
	mu           sync.Mutex
	open, closed int
	sent         []string
}

func (x *xmlFake) OpenXMLConsole()  { x.mu.Lock(); x.open++; x.mu.Unlock() }
func (x *xmlFake) CloseXMLConsole() { x.mu.Lock(); x.closed++; x.mu.Unlock() }
func (x *xmlFake) SendRaw(_ context.Context, raw string) error {
	x.mu.Lock()
	x.sent = append(x.sent, raw)
	x.mu.Unlock()
	return nil
}

func (x *xmlFake) counts() (int, int, []string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.open, x.closed, append([]string(nil), x.sent...)
}

var xmlT0 = time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)

func xmlEv(f *fakeAccount, entries ...xmlconsole.Entry) account.XMLConsoleEvent {
	return account.XMLConsoleEvent{Base: base(f), Entries: entries}
}

func stanza(dir xmlconsole.Dir, s string, sec int) xmlconsole.Entry {
	return xmlconsole.Format(xmlT0.Add(time.Duration(sec)*time.Second), dir, []byte(s), false)
}

// TestGoldenXMLConsole draws the console: directions, indentation,
// colours, a hidden password, hostile bytes; then /filter, a raw send, a
// malformed one refused, and /close stopping the capture.
func TestGoldenXMLConsole(t *testing.T) {
	f := newFake("me@example.org")
	xf := &xmlFake{fakeAccount: f}
	h := startUIPrep(t, 100, 30, func(u *UI) { u.accts[0].a = xf }, f)
	fillRoster(h, f)
	h.sync(func() { h.u.runCommand(h.u.curWin(), "xmlconsole") })
	if open, _, _ := xf.counts(); open != 1 || h.u.curWin().kind != winXML {
		t.Fatalf("console not opened (%d)", open)
	}
	h.sync(func() { h.u.show(0); h.u.runCommand(h.u.curWin(), "xmlconsole") }) // again: the same window
	if open, _, _ := xf.counts(); open != 1 || h.u.curWin().kind != winXML || len(h.u.wins) != 2 {
		t.Fatalf("second /xmlconsole: %d opens, %d windows", open, len(h.u.wins))
	}
	h.post(xmlEv(f,
		xmlconsole.Marker(xmlT0, "connection authenticated: TLS and SASL exchange hidden"),
		stanza(xmlconsole.In, `<message from='alice@example.org/laptop' type='chat' id='m1'><body>hi there</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>`, 1),
		stanza(xmlconsole.Out, `<presence to='room@muc.example.org/me'><x xmlns='http://jabber.org/protocol/muc'><password>hunter2</password></x></presence>`, 2),
		stanza(xmlconsole.In, "<message from='evil\u009b2J@example.org'><body>\u009b31mred\u0085 \u202eevil\u202c [red]x[-] &#x9b;2J</body></message>", 3),
		stanza(xmlconsole.In, "<message><body>\x1b[31mred</body></message>", 3),
		stanza(xmlconsole.Out, `<iq type='get' id='p1' to='example.org'><ping xmlns='urn:xmpp:ping'/></iq>`, 4),
		stanza(xmlconsole.In, `<iq type='result' id='p1' from='example.org'/>`, 5),
	))
	h.settle()
	got := h.text()
	golden(t, "xmlconsole", got)
	golden(t, "xmlconsole_colors", h.colors(1, 2, 6, 9, 11))
	for _, bad := range []string{"hunter2", "\x1b", "\u202e", "\u009b", "[31m"} {
		if strings.Contains(got, bad) {
			t.Errorf("screen shows %q", bad)
		}
	}

	h.sync(func() { h.u.runCommand(h.u.curWin(), "filter PING") })
	golden(t, "xmlconsole_filter", h.text())
	h.sync(func() { h.u.runCommand(h.u.curWin(), "filter") })
	if n := h.u.curWin().buf.len(); n < 7 {
		t.Errorf("after /filter: %d entries", n)
	}

	h.typeText("<iq type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>")
	h.key(tcell.KeyEnter, 0, 0)
	h.typeText("<message><body>x</message>")
	h.key(tcell.KeyEnter, 0, 0)
	h.typeText("<presence to='r@muc.example.org/me'><x xmlns='http://jabber.org/protocol/muc'><password>hunter3</password></x></presence>")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("the raw sends", func() bool { _, _, s := xf.counts(); return len(s) == 2 })
	h.sync(func() {
		if hist := strings.Join(h.u.input.hist, "\n"); strings.Contains(hist, "hunter3") || !strings.Contains(hist, "jabber:iq:version") {
			t.Errorf("input history:\n%s", hist)
		}
	})
	h.settle()
	if _, _, s := xf.counts(); len(s) != 2 || !strings.Contains(s[0], "jabber:iq:version") {
		t.Errorf("sent %q", s)
	}
	h.waitFor("the refusal", func() bool {
		b := h.u.curWin().buf
		return b.len() > 0 && strings.Contains(b.at(b.len()-1).text, "not sent: not well-formed XML")
	})
	h.sync(func() { h.u.runCommand(h.u.curWin(), "close") })
	if _, closed, _ := xf.counts(); closed != 1 {
		t.Errorf("closing did not stop the console (%d)", closed)
	}
	h.post(xmlEv(f, stanza(xmlconsole.In, "<presence/>", 9))) // after close: ignored
	h.settle()
	h.sync(func() {
		for _, w := range h.u.wins {
			if w.kind == winXML {
				t.Errorf("the console window is still open")
			}
		}
		w := h.u.curWin()
		h.u.runCommand(w, "filter x")
		if b := w.buf; b.len() == 0 || !strings.Contains(b.at(b.len()-1).text, "works in an XML console window") {
			t.Errorf("/filter outside a console not refused")
		}
	})
}

// TestXMLConsoleBounded: the window keeps at most XMLConsoleLines
// stanzas.
func TestXMLConsoleBounded(t *testing.T) {
	f := newFake("me@example.org")
	xf := &xmlFake{fakeAccount: f}
	h := startUIPrep(t, 80, 20, func(u *UI) { u.accts[0].a = xf; u.opts.XMLConsoleLines = 50 }, f)
	h.sync(func() { h.u.runCommand(h.u.curWin(), "xmlconsole") })
	var es []xmlconsole.Entry
	for i := 0; i < 200; i++ {
		es = append(es, stanza(xmlconsole.In, "<presence/>", i))
	}
	h.post(xmlEv(f, es...))
	h.settle()
	h.sync(func() {
		w := h.u.curWin()
		if len(w.xml.all) != 50 || w.buf.len() > 50+100 {
			t.Errorf("kept %d stanzas, %d lines", len(w.xml.all), w.buf.len())
		}
	})
}
