package servertest

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"regexp"
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
	Each(t, func(t *testing.T, k Kind) { testGoClientLogin(t, Start(t, k, WithDirectTLS())) })
}

func testGoClientLogin(t *testing.T, s *Server) {
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

// TestStartConfig checks the generated server: files in its dirs, no
// fixed ports, no other listener, Available.
func TestStartConfig(t *testing.T) {
	Each(t, func(t *testing.T, k Kind) {
		s := Start(t, k)
		if !Available(k) {
			t.Fatal("Available false after a successful Start")
		}
		if s.Kind != k || s.Port == 5222 || s.Port == 0 {
			t.Errorf("kind %s port %d: want %s on a random free port", s.Kind, s.Port, k)
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
		for _, f := range []string{s.CAFile, configPath(s), s.impl.logFiles(s)[0]} {
			if _, err := os.Stat(f); err != nil {
				t.Error(err)
			}
		}
		if !strings.HasPrefix(s.CAFile, s.Dir) {
			t.Errorf("%s not in %s", s.CAFile, s.Dir)
		}
		log := s.Log()
		// A port is a whole number: ":5280" inside ":52808" (an ephemeral
		// client port in an "Accepted connection" line) is not the fixed
		// HTTP port.
		fixed := regexp.MustCompile(`:(5222|5223|5269|5280|5281|5347|5443|1883|3478)\b`)
		if m := fixed.FindString(log); m != "" {
			t.Errorf("log mentions fixed port %s", m)
		}
		switch k {
		case Prosody:
			if !strings.Contains(log, "Activated service 's2s' on no ports") {
				t.Errorf("s2s bound a port; log:\n%s", log)
			}
		case Ejabberd:
			main, _ := os.ReadFile(s.impl.logFiles(s)[0])
			if n := strings.Count(string(main), "Start accepting"); n != 2 {
				t.Errorf("%d listeners, want c2s and the HTTP API; log:\n%s", n, log)
			}
			if strings.Contains(log, "nonode@nohost") == false {
				t.Errorf("ejabberd runs a distributed node; log:\n%s", log)
			}
			if os.Geteuid() == 0 {
				status, err := os.ReadFile("/proc/" + itoa(s.Pid()) + "/status")
				if err != nil || !strings.Contains(string(status), "\nUid:\t"+uidOf(t, "ejabberd")+"\t") {
					t.Errorf("ejabberd not run as the ejabberd user: %v\n%s", err, status)
				}
			}
		}
	})
}
