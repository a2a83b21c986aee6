package account

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/internal/servertest"
	"parley/xmlconsole"
)

// consoleText returns the text of every console entry received so far.
func consoleText(r *running) string {
	var b strings.Builder
	for _, e := range r.rec.all() {
		if xe, ok := e.(XMLConsoleEvent); ok {
			for _, en := range xe.Entries {
				d := "IN "
				switch {
				case en.Marker:
					d = "-- "
				case en.Dir == xmlconsole.Out:
					d = "OUT "
				}
				b.WriteString(d + en.Text + "\n")
			}
		}
	}
	return b.String()
}

// waitConsole waits until the console text holds all of want.
func waitConsole(t *testing.T, r *running, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for {
		text := consoleText(r)
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(text, w)
		}
		if ok {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("console lacks %q:\n%s", want, text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestIntegrationXMLConsole opens alice's console: a message from a
// slixmpp peer and one to it show, pretty-printed; a reconnect (resumed)
// and a fresh login show the authentication as a hidden placeholder and
// nothing of SASL or the password; a raw ping gets its result shown; a
// room password sent raw is hidden; malformed input is refused.
func TestIntegrationXMLConsole(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		s := servertest.Start(t, kind)
		const pass = "Zq7-console-pass"
		aliceJID := s.AddUser(t, "alice", pass)
		bobJID := s.AddUser(t, "bob", "pw")
		alice := startOnline(t, testConfig(s, aliceJID, pass, "desk"))
		bob := servertest.StartPeer(t, s, bobJID, "pw")
		alice.OpenXMLConsole()
		defer alice.CloseXMLConsole()

		bob.SendMessage(aliceJID.String(), "hello from bob")
		if _, err := alice.SendMessage(ctx10(t), bobJID, "chat", "hello from alice"); err != nil {
			t.Fatal(err)
		}
		bob.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Body == "hello from alice" })
		text := waitConsole(t, alice, "  <body>hello from bob</body>", "  <body>hello from alice</body>")
		if !strings.Contains(text, "IN <message") || !strings.Contains(text, "OUT <message") {
			t.Errorf("directions not marked:\n%s", text)
		}

		// Hostile bytes through the server: C1 controls, bidi overrides, a
		// stanza longer than the console keeps.
		bob.SendRaw("<message to='" + aliceJID.String() + "' type='chat' id='evil1'><body>\u009b2Jred\u202eevil\u0085x</body></message>")
		bob.SendRaw("<message to='" + aliceJID.String() + "' type='chat' id='big1'><body>" + strings.Repeat("long ", 16<<10) + "</body></message>")
		text = waitConsole(t, alice, "<body>redevil", "[… cut by parley")
		for _, bad := range []string{"\u009b", "\u202e", "\u0085"} {
			if strings.Contains(text, bad) {
				t.Errorf("the console shows %q", bad)
			}
		}
		for _, e := range alice.rec.all() {
			if xe, ok := e.(XMLConsoleEvent); ok {
				for _, en := range xe.Entries {
					if len(en.Text) > 2*xmlconsole.MaxElement {
						t.Errorf("an entry of %d bytes", len(en.Text))
					}
				}
			}
		}

		seen := consoleText(alice) // what the recorder held before each reset
		alice.rec.reset()
		alice.Reconnect() // resumes: SASL again, then <resume/>
		alice.waitState(t, Online)
		waitConsole(t, alice, "TLS and SASL exchange hidden", "IN <resumed ")
		if err := alice.Disconnect(ctx10(t)); err != nil {
			t.Fatal(err)
		}
		alice.waitState(t, Disconnected)
		seen += consoleText(alice)
		alice.rec.reset()
		if err := alice.Connect(); err != nil {
			t.Fatal(err)
		}
		alice.waitState(t, Online)
		waitConsole(t, alice, "TLS and SASL exchange hidden", "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'")

		if err := alice.SendRaw(ctx10(t), "<iq type='get' id='xc-ping-1' to='"+s.Domain+"'><ping xmlns='urn:xmpp:ping'/></iq>"); err != nil {
			t.Fatal(err)
		}
		text = waitConsole(t, alice, "id='xc-ping-1'", "type='result'")
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, "IN <iq") && strings.Contains(l, "xc-ping-1") && !strings.Contains(l, "result") && !strings.Contains(l, "error") {
				t.Errorf("ping answered with %s", l)
			}
		}

		room := "xc@" + s.MUC
		if err := alice.SendRaw(ctx10(t), "<presence to='"+room+"/alice'><x xmlns='http://jabber.org/protocol/muc'><password>RoomPw-9931</password></x></presence>"); err != nil {
			t.Fatal(err)
		}
		text = waitConsole(t, alice, "OUT <presence xmlns='jabber:client' to='"+room+"/alice'", ">"+xmlconsole.HiddenText+"</password>")

		for _, bad := range []string{"<message><body>x</message>", "<presence/><presence/>", "<r xmlns='urn:xmpp:sm:3'/>", "hello", "<?xml version='1.0'?><presence/>"} {
			if err := alice.SendRaw(ctx10(t), bad); err == nil {
				t.Errorf("sent %q", bad)
			}
		}

		time.Sleep(200 * time.Millisecond)
		text = seen + consoleText(alice)
		plain := base64.StdEncoding.EncodeToString([]byte("\x00alice\x00" + pass))
		for _, secret := range []string{pass, plain, "RoomPw-9931", "xmpp-sasl", "<auth", "<challenge", "<response", "<success", "<starttls", "SCRAM"} {
			if strings.Contains(text, secret) {
				t.Errorf("the console shows %q:\n%s", secret, text)
			}
		}
		for _, e := range alice.rec.all() {
			if xe, ok := e.(XMLConsoleEvent); ok {
				for _, en := range xe.Entries {
					if strings.Contains(en.Text, pass) {
						t.Errorf("password in an entry")
					}
				}
			}
		}
	})
}

// TestIntegrationXMLConsoleSecrets opens the consoles of alice and bob
// while alice creates a room with a password from its configuration form
// (the form the room sends back holds the password), bob joins with it,
// and alice changes her account's password and logs in again with it:
// none of the passwords shows in either console.
func TestIntegrationXMLConsoleSecrets(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		s := servertest.Start(t, kind, servertest.WithRegistration(), servertest.WithRoomLocking())
		const pass, newPass, roomPass = "Old-Pw-4417", "New-Pw-8852", "Room-Pw-2291"
		aliceJID := s.AddUser(t, "alice", pass)
		bobJID := s.AddUser(t, "bob", "pw")
		alice := startOnline(t, testConfig(s, aliceJID, pass, "desk"))
		bob := startOnline(t, testConfig(s, bobJID, "pw", "laptop"))
		alice.OpenXMLConsole()
		defer alice.CloseXMLConsole()
		bob.OpenXMLConsole()
		defer bob.CloseXMLConsole()

		vault := jid.MustParse("vault@" + s.MUC)
		if _, err := alice.JoinNew(ctx10(t), vault, "", ""); err != nil {
			t.Fatal(err)
		}
		f, err := alice.RoomConfig(ctx10(t), vault)
		if err != nil {
			t.Fatal(err)
		}
		if fd := f.Field("muc#roomconfig_passwordprotectedroom"); fd != nil {
			fd.Values = []string{"1"}
		}
		f.Field("muc#roomconfig_roomsecret").Values = []string{roomPass}
		if err := alice.SubmitRoomConfig(ctx10(t), vault, f); err != nil {
			t.Fatal(err)
		}
		if _, err := alice.RoomConfig(ctx10(t), vault); err != nil { // the form now holds the password
			t.Fatal(err)
		}
		if err := bob.Join(ctx10(t), vault, "", roomPass); err != nil {
			t.Fatal(err)
		}
		if err := alice.ChangePassword(ctx10(t), newPass); err != nil {
			t.Fatal(err)
		}
		seen := waitConsole(t, alice, "<query xmlns='jabber:iq:register'", "muc#roomconfig_roomsecret")
		alice.rec.reset()
		alice.Reconnect() // the new password logs in
		alice.waitState(t, Reconnecting)
		alice.waitState(t, Online)
		text := seen + waitConsole(t, alice, "TLS and SASL exchange hidden")
		bobText := waitConsole(t, bob, "<password>"+xmlconsole.HiddenText+"</password>")
		for who, text := range map[string]string{"alice": text, "bob": bobText} {
			for _, secret := range []string{pass, newPass, roomPass, "xmpp-sasl"} {
				if strings.Contains(text, secret) {
					t.Errorf("%s's console shows %q:\n%s", who, secret, text)
				}
			}
		}
		// The secrets were there, hidden: the submitted form, the form the
		// room sent back, the password change.
		if n := strings.Count(text, xmlconsole.HiddenText); n < 3 {
			t.Errorf("%d secrets hidden in alice's console, want 3 or more:\n%s", n, text)
		}
	})
}
