package payload

import (
	"context"
	"encoding/xml"
	"net"
	"strings"
	"testing"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/stanza"

	"parley/auth"
	"parley/internal/servertest"
	"parley/msg"
)

// TestServerDelivered sends slixmpp's stanzas from a slixmpp peer through
// the server to a mellium session whose handler parses them with the
// registry, as the account's handler will: the payloads survive both
// servers, and Parse works on what mellium hands a handler.
func TestServerDelivered(t *testing.T) { servertest.Each(t, testServerDelivered) }

func testServerDelivered(t *testing.T, kind servertest.Kind) {
	srv := servertest.Start(t, kind)
	alice := srv.AddUser(t, "alice", "alice-pw")
	bob := srv.AddUser(t, "bob", "bob-pw")
	peer := servertest.StartPeer(t, srv, bob, "bob-pw")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tcp, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	features := append([]xmpp.StreamFeature{xmpp.StartTLS(srv.TLSConfig(t))}, auth.Features("alice-pw", nil)...)
	sess, err := xmpp.NewClientSession(ctx, alice, tcp, append(features, xmpp.BindResource())...)
	if err != nil {
		tcp.Close()
		t.Fatalf("login: %v", err)
	}
	defer sess.Close()
	reg := Default()
	got := make(chan msg.Message, 32)
	bad := make(chan error, 32)
	pctx := Context{Account: alice, Now: time.Now()}
	go func() {
		_ = sess.Serve(xmpp.HandlerFunc(func(r xmlstream.TokenReadEncoder, start *xml.StartElement) error {
			if start.Name.Local != "message" {
				return nil
			}
			m, err := reg.Parse(*start, r, pctx)
			if err != nil {
				bad <- err // not t.Errorf: Serve may outlive the test by a moment
				return nil
			}
			got <- m
			return nil
		}))
	}()
	if err := sess.Send(ctx, stanza.Presence{}.Wrap(nil)); err != nil {
		t.Fatal(err)
	}
	full := sess.LocalAddr().String()
	for _, file := range []string{"reactions", "retract", "correct", "chatstate", "displayed", "markable", "received", "oob"} {
		s := readTestdata(t, file)
		s = strings.Replace(s, `to="juliet@capulet.example/balcony"`, `to="`+full+`"`, 1)
		peer.SendRaw(s)
		select {
		case m := <-got:
			if !m.From.Bare().Equal(bob) {
				t.Errorf("%s: from %v", file, m.From)
			}
			checkSlixmpp(t, file, m)
		case err := <-bad:
			t.Fatalf("%s: Parse: %v", file, err)
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: not delivered", file)
		}
	}
}

// checkSlixmpp checks the payloads of testdata/slixmpp/file.xml in m.
func checkSlixmpp(t *testing.T, file string, m msg.Message) {
	t.Helper()
	for _, c := range slixmppChecks {
		if c.file == file {
			if !c.check(m) {
				t.Errorf("%s: %+v", file, m)
			}
			return
		}
	}
	t.Fatalf("no check for %s", file)
}
