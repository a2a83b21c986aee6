package prosodytest

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
	s := Start(t)
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
	if n := strings.Count(s.Log(), "Hello and welcome to Prosody"); n != 4 {
		t.Errorf("log shows %d starts, want 4", n)
	}
}

// TestAddUserWhileStopped checks that accounts can be created offline.
func TestAddUserWhileStopped(t *testing.T) {
	s := Start(t)
	s.Stop(t)
	frank := s.AddUser(t, "frank", "frank-pass")
	s.Restart(t)
	sess, err := login(t, s, s.Addr(), false, frank, "frank-pass")
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	sess.Close()
}

// TestTwoServers checks that servers in one test binary do not share ports
// or dirs.
func TestTwoServers(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.Port == b.Port || a.Dir == b.Dir {
		t.Fatalf("shared: %s %s", a.Addr(), b.Addr())
	}
	a.AddUser(t, "only-a", "pw")
	if _, err := b.Ctl("passwd", "only-a@localhost"); err == nil {
		t.Error("user of server a exists on server b")
	}
}

// TestOptions checks that options reach the generated configuration.
func TestOptions(t *testing.T) {
	s := Start(t, WithSMTimeout(1500*time.Millisecond), WithConfig("c2s_timeout = 77"),
		WithHostConfig("-- host marker"), WithMUCConfig("max_history_messages = 7"), WithDebugLog())
	cfg, err := os.ReadFile(s.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"smacks_hibernation_time = 2", "c2s_timeout = 77", "-- host marker",
		"max_history_messages = 7", `min = "debug"`} {
		if !bytes.Contains(cfg, []byte(want)) {
			t.Errorf("config lacks %q", want)
		}
	}
	if !strings.Contains(s.Log(), "\tdebug\t") {
		t.Error("no debug lines in the log with WithDebugLog")
	}
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
	s := Start(t)
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
		// Prosody answers the pre-TLS iq with an error; any answer proves
		// the held bytes went through.
		readUntil(t, c, "id='q1'", 10*time.Second)
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
// from Prosody's log (Start then retries on new ports) instead of talking
// to whatever holds the port.
func TestPortTaken(t *testing.T) {
	s := Start(t)
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
		t.Error("Prosody left running after a failed launch")
	}
	l.Close()
	s.Restart(t)
}

// TestMUCConfigOverride checks that an option assigning a default MUC key
// replaces it (Prosody refuses a repeated key) and that the server starts.
func TestMUCConfigOverride(t *testing.T) {
	s := Start(t, WithMUCConfig("muc_room_locking = true", "max_history_messages = 7"))
	cfg, err := os.ReadFile(s.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(cfg), "muc_room_locking"); n != 1 {
		t.Errorf("muc_room_locking appears %d times:\n%s", n, cfg)
	}
	for _, want := range []string{"muc_room_locking = true", "max_history_messages = 7", "muc_log_all_rooms = true"} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("config lacks %q", want)
		}
	}
}

func TestMUCLines(t *testing.T) {
	for _, tc := range []struct {
		extra []string
		want  string
	}{
		{nil, "\tmodules_enabled = { \"muc_mam\" }|\tmuc_room_locking = false|\tmuc_log_by_default = true|\tmuc_log_all_rooms = true"},
		{[]string{"  muc_room_locking=true", "x = 1"}, "\tmodules_enabled = { \"muc_mam\" }|  muc_room_locking=true|\tmuc_log_by_default = true|\tmuc_log_all_rooms = true|x = 1"},
		{[]string{"muc_log_all_rooms = false", "muc_log_all_rooms = true -- again"}, "\tmodules_enabled = { \"muc_mam\" }|\tmuc_room_locking = false|\tmuc_log_by_default = true|muc_log_all_rooms = true -- again"},
		{[]string{"-- muc_room_locking = true", "if muc_room_locking == true then end"}, "\tmodules_enabled = { \"muc_mam\" }|\tmuc_room_locking = false|\tmuc_log_by_default = true|\tmuc_log_all_rooms = true|-- muc_room_locking = true|if muc_room_locking == true then end"},
	} {
		if got := strings.Join(mucLines(tc.extra), "|"); got != tc.want {
			t.Errorf("mucLines(%q)\n got %s\nwant %s", tc.extra, got, tc.want)
		}
	}
}
