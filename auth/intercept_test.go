package auth

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"

	"parley/internal/servertest"
)

// TestInterceptedLogin puts a man in the middle between the client and a
// real server on TLS 1.2: it terminates both TLS connections (with a
// certificate the client trusts, as a middlebox whose CA was installed or
// a certificate trusted on first use would be) and relays the stream. The
// -PLUS login then fails at the server, since the two TLS channels differ;
// and with the -PLUS mechanisms stripped from the features, the client
// says it could bind (GS2 flag "y") and the server refuses the downgrade.
func TestInterceptedLogin(t *testing.T) { servertest.Each(t, testInterceptedLogin) }

func testInterceptedLogin(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	for _, tc := range []struct {
		name  string
		strip bool
		mech  string
		flag  string
	}{
		{"binding of the intercepted channel", false, "SCRAM-SHA-1-PLUS", "p=tls-unique"},
		{"-PLUS stripped", true, "SCRAM-SHA-1", "y"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.strip {
				s.Require(t, servertest.DowngradeRefused)
			}
			m := startMITM(t, s, tc.strip)
			out, err := loginAt(t, m.addr, m.client, alice, "pw")
			t.Logf("%s: offered %v: %s %q; err %v", kind, out.Offered, out.Mechanism, out.Binding, err)
			if out.Mechanism != tc.mech {
				t.Errorf("mechanism %s, want %s", out.Mechanism, tc.mech)
			}
			var f *Failure
			if !errors.As(err, &f) {
				t.Fatalf("login through the man in the middle: %v, want the server's refusal", err)
			}
		})
	}
}

// mitm is a TLS-terminating relay in front of a server.
type mitm struct {
	addr   string
	client *tls.Config // what the client must use to trust the relay
}

// startMITM serves one client: STARTTLS with each side on its own, then
// the stream relayed, with the -PLUS mechanisms removed from the server's
// features when strip is set.
func startMITM(t *testing.T, s *servertest.Server, strip bool) *mitm {
	t.Helper()
	certs, err := servertest.WriteCerts(t.TempDir(), "localhost")
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(certs.Cert, certs.Key)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(certs.CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	upstream := s.TLSConfig(t)
	upstream.MaxVersion = tls.VersionTLS12
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		u, err := net.Dial("tcp", s.Addr())
		if err != nil {
			return
		}
		defer u.Close()
		// The server's side: stream header, STARTTLS, TLS 1.2.
		if _, err := io.WriteString(u, "<?xml version='1.0'?><stream:stream to='"+s.Domain+"' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"); err != nil {
			return
		}
		if readUntil(u, "</stream:features>") != nil {
			return
		}
		io.WriteString(u, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
		if readUntil(u, "<proceed") != nil || readUntil(u, ">") != nil {
			return
		}
		us := tls.Client(u, upstream)
		if us.Handshake() != nil {
			return
		}
		// The client's side: the same, as the server.
		if readUntil(c, "<stream:stream") != nil || readUntil(c, ">") != nil {
			return
		}
		io.WriteString(c, "<?xml version='1.0'?><stream:stream from='"+s.Domain+"' id='m1' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>")
		if readUntil(c, "starttls") != nil || readUntil(c, ">") != nil {
			return
		}
		io.WriteString(c, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
		cs := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{pair}, MaxVersion: tls.VersionTLS12})
		if cs.Handshake() != nil {
			return
		}
		go io.Copy(us, cs)
		relayFeatures(cs, us, strip)
	}()
	return &mitm{addr: ln.Addr().String(), client: &tls.Config{ServerName: "localhost", RootCAs: pool, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12}}
}

// plusMech matches a -PLUS mechanism of the SASL features.
var plusMech = regexp.MustCompile(`<mechanism>[A-Z0-9-]+-PLUS</mechanism>`)

// relayFeatures copies the server's stream to the client; with strip,
// the first features lose their -PLUS mechanisms.
func relayFeatures(dst io.Writer, src io.Reader, strip bool) {
	if strip {
		var buf bytes.Buffer
		b := make([]byte, 4096)
		for !strings.Contains(buf.String(), "</stream:features>") {
			n, err := src.Read(b)
			buf.Write(b[:n])
			if err != nil {
				return
			}
		}
		if _, err := dst.Write(plusMech.ReplaceAll(buf.Bytes(), nil)); err != nil {
			return
		}
	}
	io.Copy(dst, src)
}

// readUntil reads r byte by byte up to and including marker.
func readUntil(r io.Reader, marker string) error {
	var seen []byte
	b := make([]byte, 1)
	for !bytes.HasSuffix(seen, []byte(marker)) {
		if _, err := r.Read(b); err != nil {
			return err
		}
		seen = append(seen, b[0])
		if len(seen) > 1<<16 {
			return errors.New("marker not found")
		}
	}
	return nil
}

// loginAt logs j in over STARTTLS at addr with tc.
func loginAt(t *testing.T, addr string, tc *tls.Config, j jid.JID, pass string) (Outcome, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var out Outcome
	features := append([]xmpp.StreamFeature{xmpp.StartTLS(tc)}, Features(pass, &out)...)
	sess, err := xmpp.NewClientSession(ctx, j, conn, append(features, xmpp.BindResource())...)
	if err == nil {
		_ = sess.Close()
	}
	return out, err
}
