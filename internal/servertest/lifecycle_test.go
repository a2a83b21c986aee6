package servertest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// TestRestart checks that Stop, Kill and Restart keep users, data and the
// port, and that the server is really down in between.
func TestRestart(t *testing.T) {
	Each(t, func(t *testing.T, k Kind) { testRestart(t, Start(t, k)) })
}

// startMarks are the log lines of one start of each server.
var startMarks = map[Kind]string{Prosody: "Hello and welcome to Prosody", Ejabberd: "is started in the node"}

func testRestart(t *testing.T, s *Server) {
	erin := s.AddUser(t, "erin", "erin-pass")
	port := s.Port
	pid := s.Pid()
	if pid == 0 || !s.Running() {
		t.Fatal("not running after Start")
	}
	for _, tc := range []struct {
		name string
		down func(testing.TB)
	}{
		{"stop", s.Stop},
		{"kill", s.Kill},
		{"restart while running", func(testing.TB) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.down(t)
			if tc.name != "restart while running" {
				if s.Running() || s.Pid() != 0 {
					t.Fatal("still running")
				}
				if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
					c.Close()
					t.Fatal("port still accepts while stopped")
				}
				s.Stop(t) // stopping a stopped server is a no-op
			}
			s.Restart(t)
			if s.Port != port {
				t.Fatalf("port changed %d -> %d", port, s.Port)
			}
			if s.Pid() == pid {
				t.Fatal("same pid after restart")
			}
			pid = s.Pid()
			sess, err := login(t, s, s.Addr(), false, erin, "erin-pass")
			if err != nil {
				t.Fatalf("login after restart: %v", err)
			}
			sess.Close()
		})
	}
	// Log keeps every run.
	if n := strings.Count(s.Log(), startMarks[s.Kind]); n != 4 {
		t.Errorf("log shows %d starts, want 4", n)
	}
}

// TestTwoServers checks that servers in one test binary do not share ports
// or dirs.
func TestTwoServers(t *testing.T) {
	Each(t, func(t *testing.T, k Kind) {
		a, b := Start(t, k), Start(t, k)
		if a.Port == b.Port || a.Dir == b.Dir {
			t.Fatalf("shared: %s %s", a.Addr(), b.Addr())
		}
		j := a.AddUser(t, "only-a", "pw")
		if sess, err := login(t, b, b.Addr(), false, j, "pw"); err == nil {
			sess.Close()
			t.Error("user of server a exists on server b")
		}
	})
}

// TestOptions checks that options reach the generated configuration.
func TestOptions(t *testing.T) {
	want := map[Kind]struct {
		file, debugLine string
		config          []string
	}{
		Prosody:  {"prosody.cfg.lua", "\tdebug\t", []string{"smacks_hibernation_time = 2", `min = "debug"`, "muc_room_locking = true"}},
		Ejabberd: {"ejabberd.yml", "[debug]", []string{"resume_timeout: 2", "loglevel: debug"}},
	}
	Each(t, func(t *testing.T, k Kind) {
		s := Start(t, k, WithSMTimeout(1500*time.Millisecond), WithDebugLog(), WithRoomLocking())
		w := want[k]
		cfg, err := os.ReadFile(configPath(s))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range w.config {
			if !bytes.Contains(cfg, []byte(line)) {
				t.Errorf("config lacks %q", line)
			}
		}
		if !strings.Contains(s.Log(), w.debugLine) {
			t.Error("no debug lines in the log with WithDebugLog")
		}
	})
}

// configPath is the configuration file the backend wrote.
func configPath(s *Server) string {
	switch b := s.impl.(type) {
	case *prosody:
		return b.cfgPath
	case *ejabberd:
		return b.path("ejabberd.yml")
	}
	return ""
}

// streamOpen opens a raw client stream through addr and returns the
// connection once the stream features have arrived.
func streamOpen(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write([]byte(streamHeader("localhost"))); err != nil {
		t.Fatal(err)
	}
	readUntil(t, c, "</stream:features>", 10*time.Second)
	return c
}

// readUntil reads c until the data contains want, failing on error.
func readUntil(t *testing.T, c net.Conn, want string, d time.Duration) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(d))
	defer c.SetReadDeadline(time.Time{})
	var got []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(got, []byte(want)) {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			t.Fatalf("reading for %q: %v (got %q)", want, err, got)
		}
	}
	return string(got)
}

// TestProxy checks Cut, Pause/Resume and Close, and that a TLS login works
// through the proxy.
func TestProxy(t *testing.T) {
	Each(t, func(t *testing.T, k Kind) { testProxy(t, Start(t, k)) })
}

func testProxy(t *testing.T, s *Server) {
	gina := s.AddUser(t, "gina", "gina-pass")
	p := s.Proxy(t)

	t.Run("login through proxy", func(t *testing.T) {
		sess, err := login(t, s, p.Addr(), false, gina, "gina-pass")
		if err != nil {
			t.Fatal(err)
		}
		sess.Close()
	})
	t.Run("cut", func(t *testing.T) {
		c1, c2 := streamOpen(t, p.Addr()), streamOpen(t, p.Addr())
		waitFor(t, func() bool { return p.Conns() == 2 }, "two proxied connections")
		p.Cut()
		for _, c := range []net.Conn{c1, c2} {
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := c.Read(make([]byte, 1)); err == nil {
				t.Error("read after Cut succeeded")
			} else if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Error("connection still open after Cut")
			}
		}
		if p.Conns() != 0 {
			t.Errorf("%d connections after Cut", p.Conns())
		}
		streamOpen(t, p.Addr()) // new connections still work
	})
	t.Run("pause and resume", func(t *testing.T) {
		c := streamOpen(t, p.Addr())
		p.Pause()
		p.Pause() // idempotent
		if _, err := c.Write([]byte("<iq type='get' id='q1'><ping xmlns='urn:xmpp:ping'/></iq>")); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if n, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("paused link delivered %d bytes, err %v", n, err)
		}
		p.Resume()
		p.Resume() // idempotent
		// The server answers the pre-TLS iq with an error or ends the
		// stream; any answer proves the held bytes went through.
		readUntil(t, c, "<", 10*time.Second)
	})
	t.Run("server down", func(t *testing.T) {
		s.Stop(t)
		// The proxy resets the client at once, which may even show up
		// as a failed dial.
		if c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second); err == nil {
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("proxy kept a connection to a stopped server: %v", err)
			}
			c.Close()
		}
		s.Restart(t)
		streamOpen(t, p.Addr())
	})
	t.Run("close", func(t *testing.T) {
		c := streamOpen(t, p.Addr())
		p.Close()
		p.Close()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadAll(c); errors.Is(err, os.ErrDeadlineExceeded) {
			t.Error("connection open after Close")
		}
		if c, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
			c.Close()
			t.Error("proxy accepts after Close")
		}
	})
}

// TestPortTaken checks that a port grabbed by another process is detected
// from the server's log (Start then retries on new ports) instead of
// talking to whatever holds the port.
func TestPortTaken(t *testing.T) {
	Each(t, func(t *testing.T, k Kind) {
		s := Start(t, k)
		s.Stop(t)
		l, err := net.Listen("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		go func() { // the squatter answers like an XMPP server would not
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		err = s.launch()
		if !errors.Is(err, errPortTaken) {
			t.Errorf("launch on a taken port: %v, want errPortTaken", err)
		}
		if s.Running() {
			t.Error("server left running after a failed launch")
		}
		l.Close()
		s.Restart(t)
	})
}
