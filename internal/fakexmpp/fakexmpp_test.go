package fakexmpp_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/internal/fakexmpp"
)

func TestRepeat(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"ab", 3, "ababab"},
		{"x", 0, ""},
		{"", 5, ""},
		{"abc", 1, "abc"},
	} {
		b, err := io.ReadAll(io.LimitReader(fakexmpp.Repeat(tc.s, tc.n), 1<<20))
		if err != nil || string(b) != tc.want {
			t.Errorf("Repeat(%q, %d) = %q, %v; want %q", tc.s, tc.n, b, err, tc.want)
		}
	}
	n, err := io.Copy(io.Discard, fakexmpp.Repeat("0123456789", 1<<20))
	if err != nil || n != 10<<20 {
		t.Errorf("10 MiB: %d, %v", n, err)
	}
}

// TestLogin logs in with mellium's own client and reads a stanza the test
// scripted.
func TestLogin(t *testing.T) {
	for _, tc := range []struct {
		name, pass string
		ok         bool
	}{
		{"right password", "secret", true},
		{"wrong password", "nope", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakexmpp.Start(t, fakexmpp.Options{
				Users: map[string]string{"alice": "secret"},
				Handle: func(c *fakexmpp.Conn, e fakexmpp.Element) bool {
					if e.IsIQ("get", "urn:xmpp:ping") {
						return c.Result(e, "") == nil
					}
					return false
				},
			})
			pem, err := os.ReadFile(srv.CAFile)
			if err != nil {
				t.Fatal(err)
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(pem)
			tcp, err := net.Dial("tcp", srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer tcp.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			alice := jid.MustParse("alice@localhost/test")
			sess, err := xmpp.NewClientSession(ctx, alice, tcp,
				xmpp.StartTLS(&tls.Config{ServerName: srv.Domain, RootCAs: pool}),
				xmpp.SASL("", tc.pass, sasl.Plain),
				xmpp.BindResource())
			if !tc.ok {
				if err == nil {
					t.Fatal("logged in with a wrong password")
				}
				return
			}
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			defer sess.Close()
			c := srv.Accept(t)
			if !strings.HasPrefix(c.JID, "alice@localhost/") {
				t.Errorf("bound %q", c.JID)
			}
			got := make(chan string, 1)
			go sess.Serve(xmpp.HandlerFunc(func(r xmlstream.TokenReadEncoder, start *xml.StartElement) error {
				// r yields the children of start: the <body/>.
				var body string
				if err := xml.NewTokenDecoder(r).Decode(&body); err == nil {
					got <- body
				}
				return nil
			}))
			if _, err := c.WriteFrom(io.MultiReader(strings.NewReader("<message><body>"), fakexmpp.Repeat("x", 1000), strings.NewReader("</body></message>"))); err != nil {
				t.Fatal(err)
			}
			select {
			case b := <-got:
				if b != strings.Repeat("x", 1000) {
					t.Errorf("body of %d bytes", len(b))
				}
			case <-time.After(30 * time.Second):
				t.Fatal("no message")
			}
		})
	}
}
