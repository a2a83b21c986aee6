package prosodytest

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
)

// login opens a mellium client session for j over STARTTLS at addr, or over
// direct TLS when direct is set, and returns it or the error.
func login(t *testing.T, s *Server, addr string, direct bool, j jid.JID, pass string) (*xmpp.Session, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cfg := s.TLSConfig(t)
	var conn net.Conn
	var err error
	features := []xmpp.StreamFeature{
		xmpp.SASL("", pass, sasl.ScramSha256, sasl.ScramSha1),
		xmpp.BindResource(),
	}
	if direct {
		d := tls.Dialer{Config: cfg}
		conn, err = d.DialContext(ctx, "tcp", addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "tcp", addr)
		features = append([]xmpp.StreamFeature{xmpp.StartTLS(cfg)}, features...)
	}
	if err != nil {
		return nil, err
	}
	sess, err := xmpp.NewClientSession(ctx, j, conn, features...)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return sess, nil
}

// TestGoClientLogin proves the certificate, port and SCRAM setup work for a
// mellium client, on STARTTLS and on direct TLS, and that a wrong password
// is refused.
func TestGoClientLogin(t *testing.T) {
	s := Start(t, WithDirectTLS())
	alice := s.AddUser(t, "alice", "s3cret pass")
	for _, tc := range []struct {
		name   string
		addr   string
		direct bool
		pass   string
		ok     bool
	}{
		{"starttls", s.Addr(), false, "s3cret pass", true},
		{"direct tls", s.DirectAddr(), true, "s3cret pass", true},
		{"wrong password", s.Addr(), false, "nope", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sess, err := login(t, s, tc.addr, tc.direct, alice, tc.pass)
			if !tc.ok {
				if err == nil {
					sess.Close()
					t.Fatal("login succeeded with a wrong password")
				}
				return
			}
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			defer sess.Close()
			if got := sess.LocalAddr().Bare(); !got.Equal(alice) {
				t.Errorf("bound %v, want %v", got, alice)
			}
			if sess.LocalAddr().Resourcepart() == "" {
				t.Error("no resource bound")
			}
		})
	}
}

// TestStartConfig checks the generated server: files in Dir, no fixed
// ports, pid file, Available.
func TestStartConfig(t *testing.T) {
	s := Start(t)
	if !Available() {
		t.Fatal("Available false after a successful Start")
	}
	if s.Port == 5222 || s.Port == 0 {
		t.Errorf("port %d: want a random free port", s.Port)
	}
	if s.Host != "127.0.0.1" || s.Domain != "localhost" || s.MUC != "conference.localhost" {
		t.Errorf("Host, Domain, MUC = %q, %q, %q", s.Host, s.Domain, s.MUC)
	}
	if s.Addr() != "127.0.0.1:"+itoa(s.Port) {
		t.Errorf("Addr %q", s.Addr())
	}
	if s.DirectAddr() != "" {
		t.Errorf("DirectAddr %q without WithDirectTLS", s.DirectAddr())
	}
	for _, f := range []string{s.CAFile, s.cfgPath, s.logPath} {
		if !strings.HasPrefix(f, s.Dir) {
			t.Errorf("%s not in %s", f, s.Dir)
		}
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
	waitFor(t, func() bool { _, err := os.Stat(s.pidPath); return err == nil }, "pid file")
	log := s.Log()
	for _, forbidden := range []string{":5222", ":5269", ":5280", ":5281", ":5347"} {
		if strings.Contains(log, forbidden) {
			t.Errorf("log mentions fixed port %s", forbidden)
		}
	}
	if !strings.Contains(log, "Activated service 's2s' on no ports") {
		t.Errorf("s2s bound a port; log:\n%s", log)
	}
}
