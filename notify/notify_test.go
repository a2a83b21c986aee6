package notify_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/internal/dbustest"
	"parley/notify"
)

func TestDesktopDelivers(t *testing.T) {
	addr := dbustest.StartBus(t)
	notes := dbustest.Notifier(t, addr, false)
	d := notify.NewDesktop(addr)
	defer d.Close()
	if !d.Available() {
		t.Fatal("a fresh Desktop is not available")
	}
	if !d.Send("alice\x1b[31m", "hi <b>bob</b>\n\x07"+strings.Repeat("x", 1000)) {
		t.Fatal("Send dropped the notification")
	}
	n := <-notes
	if n.App != "parley" || n.Summary != "alice" {
		t.Errorf("app %q summary %q", n.App, n.Summary)
	}
	if !strings.HasPrefix(n.Body, "hi &lt;b&gt;bob&lt;/b&gt; xxx") || strings.ContainsAny(n.Body, "\x07\x1b\n") || len([]rune(n.Body)) > notify.MaxBody+20 {
		t.Errorf("body %q not sanitized and shortened", n.Body)
	}
	if n.Hints["category"].Value != "im.received" {
		t.Errorf("hints %v", n.Hints)
	}
}

// A daemon that owns the name and never answers: Send returns at once,
// and the failure shows in Available once the call times out.
func TestDesktopHungDaemon(t *testing.T) {
	addr := dbustest.StartBus(t)
	notes := dbustest.Notifier(t, addr, true)
	d := notify.NewDesktop(addr)
	defer d.Close()
	for range 20 { // more than the queue holds: some are dropped, none blocks
		d.Send("alice", "hello")
	}
	<-notes // the daemon got the first one and keeps silent
	for d.Available() {
		time.Sleep(50 * time.Millisecond) // until CallTimeout has passed
	}
	if d.Err() == nil || d.Sent() != 0 {
		t.Errorf("err %v, sent %d", d.Err(), d.Sent())
	}
}

// No daemon and a bus that is not there: failures, no block, no panic.
func TestDesktopNoDaemon(t *testing.T) {
	for _, addr := range []string{"unix:path=" + filepath.Join(t.TempDir(), "nobus"), ""} {
		d := notify.NewDesktop(addr)
		if addr == "" {
			if d != nil || d.Available() || d.Send("a", "b") {
				t.Error("a nil Desktop works")
			}
			d.Close()
			continue
		}
		d.Send("alice", "hello")
		for d.Available() {
			time.Sleep(10 * time.Millisecond)
		}
		d.Close()
		if d.Send("a", "b") {
			t.Error("Send after Close queued")
		}
	}
}

func TestShorten(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hello", "hello"},
		{"a\nb\r\n\tc  d", "a b c d"},
		{"\x1b]0;title\x07x", "x"},
		{"abcdefghij", "abcdefgh…"},
	}
	for _, tt := range tests {
		if got := notify.Shorten(tt.in, 9); got != tt.want {
			t.Errorf("Shorten(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOSC(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		env  func(string) string
		want string
	}{
		{env("TERM", "xterm-256color"), notify.OSCNone},
		{env("TERM", "rxvt-unicode-256color"), notify.OSC777},
		{env("TERM", "foot"), notify.OSC777},
		{env("TERM", "xterm-256color", "VTE_VERSION", "7600"), notify.OSC777},
		{env("TERM", "xterm-kitty", "KITTY_WINDOW_ID", "1"), notify.OSC9},
		{env("TERM_PROGRAM", "iTerm.app"), notify.OSC9},
		{env("TERM", "tmux-256color", "TMUX", "/tmp/x", "VTE_VERSION", "7600"), notify.OSCNone},
	}
	for i, tt := range tests {
		if got := notify.DetectOSC(tt.env); got != tt.want {
			t.Errorf("%d: DetectOSC = %q, want %q", i, got, tt.want)
		}
	}
	if got := notify.OSC(notify.OSC777, "a;b", "c;d"); got != "\x1b]777;notify;a,b;c;d\x1b\\" {
		t.Errorf("OSC 777: %q", got)
	}
	if got := notify.OSC(notify.OSC9, "4;1", "x"); got != "\x1b]9;4,1: x\x1b\\" {
		t.Errorf("OSC 9: %q", got)
	}
	if notify.OSC(notify.OSCNone, "a", "b") != "" {
		t.Error("OSCNone writes something")
	}
}

func TestModes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "notify")
	ms, err := notify.LoadModes(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := ms.Set("me@x", "room@conf.x", notify.On); err != nil {
		t.Fatal(err)
	}
	if err := ms.Set("me@x", "bob@x", notify.Off); err != nil {
		t.Fatal(err)
	}
	if err := ms.Set("me@x", "bob@x", notify.Default); err != nil {
		t.Fatal(err)
	}
	if err := ms.Set("me@x", "bad\tname", notify.Off); err == nil {
		t.Error("a tab in a name was stored")
	}
	ms2, err := notify.LoadModes(path)
	if err != nil {
		t.Fatal(err)
	}
	if ms2.Get("me@x", "room@conf.x") != notify.On || ms2.Get("me@x", "bob@x") != notify.Default {
		t.Errorf("reloaded modes wrong")
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	// Crafted file: junk lines are skipped, good ones kept.
	os.WriteFile(path, []byte("junk\na\tb\tloud\n\t\toff\nme@x\tc@x\tmentions\n"+strings.Repeat("z", 10000)+"\n"), 0o600)
	ms3, err := notify.LoadModes(path)
	if ms3.Get("me@x", "c@x") != notify.Mentions || ms3.Get("a", "b") != notify.Default {
		t.Errorf("crafted file: %v", err)
	}
}

func TestWants(t *testing.T) {
	tests := []struct {
		m                    notify.Mode
		room, mention, wants bool
	}{
		{notify.Default, true, false, false},
		{notify.Default, true, true, true},
		{notify.Default, false, false, true},
		{notify.On, true, false, true},
		{notify.Mentions, false, false, false},
		{notify.Mentions, false, true, true},
		{notify.Off, false, true, false},
	}
	for _, tt := range tests {
		if got := tt.m.Wants(tt.room, tt.mention); got != tt.wants {
			t.Errorf("%v.Wants(room %v, mention %v) = %v", tt.m, tt.room, tt.mention, got)
		}
	}
	for _, s := range []string{"on", "OFF", "mentions", "default"} {
		if _, err := notify.ParseMode(s); err != nil {
			t.Error(err)
		}
	}
	if _, err := notify.ParseMode("loud"); err == nil {
		t.Error("loud parsed")
	}
}
