package e2e

import (
	"strings"
	"testing"

	"parley/internal/servertest"
)

// TestXMLConsoleInTmux opens the XML console of the real binary in tmux:
// a message from a peer shows indented, a reconnect shows the hidden SASL
// placeholder and nothing of the password, a ping typed as raw XML gets
// its result shown, malformed XML is refused, /filter narrows.
func TestXMLConsoleInTmux(t *testing.T) { servertest.Each(t, testXMLConsoleInTmux) }

func testXMLConsoleInTmux(t *testing.T, kind servertest.Kind) {
	tmuxOrSkip(t)
	s := servertest.Start(t, kind)
	me := s.AddUser(t, "me", "me-secret")
	peer := servertest.StartPeer(t, s, s.AddUser(t, "peer", "pw"), "pw")
	home := t.TempDir()
	cfg := meConfig(t, s, home, `resource = "e2e"`)
	tm := startTmux(t, home, bin, "-c", cfg)
	tm.waitFor("online", "[me@localhost: online]")

	tm.typeLine("/xmlconsole")
	tm.waitFor("the console", "XML console of me@localhost")
	// The login's stanzas (roster, OMEMO, archive) would push the message
	// off the screen: the filter keeps what is awaited in view.
	tm.typeLine("/filter hello console")
	tm.waitFor("the filter", `filter "hello console":`)
	peer.SendMessage(me.String(), "hello console")
	tm.waitFor("the message", "<body>hello console</body>")
	tm.typeLine("/reconnect")
	tm.waitFor("the placeholder", "TLS and SASL exchange hidden") // markers pass any filter
	tm.typeLine("/filter e2e-ping")
	tm.typeLine("<iq type='get' id='e2e-ping' to='" + s.Domain + "'><ping xmlns='urn:xmpp:ping'/></iq>")
	tm.waitFor("the ping's result", "type='result'")
	tm.typeLine("<message><body>x</message>")
	tm.waitFor("the refusal", "not sent: not well-formed XML")
	scr := tm.capture()
	if strings.Contains(scr, "me-secret") || strings.Contains(scr, "xmpp-sasl") || strings.Contains(scr, "hello console</body>") {
		t.Errorf("the filtered console:\n%s", scr)
	}
	tm.typeLine("/quit")
	if code := tm.exitCode(10e9); code != 0 {
		t.Errorf("parley exited with status %d", code)
	}
}
