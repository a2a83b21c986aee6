package auth

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/internal/servertest"
)

// TestLoginServers logs in to real servers over TLS 1.2 and 1.3: the
// mechanism and channel binding chosen are what each server verifies
// (ejabberd 23.01 offers SCRAM-SHA-1-PLUS on TLS 1.3 but knows only
// tls-unique; Prosody 0.12 offers -PLUS only on TLS 1.2), and a wrong
// password comes back with the server's condition and text.
func TestLoginServers(t *testing.T) { servertest.Each(t, testLoginServers) }

func testLoginServers(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pass wörd")
	for _, tc := range []struct {
		name    string
		version uint16
		pass    string
		binding string
		err     string
	}{
		{"TLS 1.3", tls.VersionTLS13, "pass wörd", "", ""},
		{"TLS 1.2", tls.VersionTLS12, "pass wörd", "tls-unique", ""},
		{"wrong password", tls.VersionTLS13, "nope", "", "not-authorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := loginServer(t, s, alice, tc.pass, tc.version)
			t.Logf("%s: offered %v, XEP-0440 %v: %s %q; err %v", kind, out.Offered, out.Advertised, out.Mechanism, out.Binding, err)
			if tc.err != "" {
				var f *Failure
				if !errors.As(err, &f) || f.Condition != tc.err || f.Text == "" {
					t.Fatalf("err %v, want a %s failure with the server's text", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.Binding != tc.binding {
				t.Errorf("binding %q, want %q", out.Binding, tc.binding)
			}
			if plus := out.Binding != ""; plus != (len(out.Mechanism) > 5 && out.Mechanism[len(out.Mechanism)-5:] == "-PLUS") {
				t.Errorf("mechanism %s with binding %q", out.Mechanism, out.Binding)
			}
		})
	}
}

// loginServer logs j in at s over STARTTLS capped at version.
func loginServer(t *testing.T, s *servertest.Server, j jid.JID, pass string, version uint16) (Outcome, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tc := s.TLSConfig(t)
	tc.MaxVersion = version
	var out Outcome
	features := append([]xmpp.StreamFeature{xmpp.StartTLS(tc)}, Features(pass, &out)...)
	sess, err := xmpp.NewClientSession(ctx, j, conn, append(features, xmpp.BindResource())...)
	if err == nil {
		if got := sess.ConnectionState().Version; got != version {
			t.Errorf("TLS version %x, want %x", got, version)
		}
		_ = sess.Close()
	}
	return out, err
}
