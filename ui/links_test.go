package ui

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
)

func TestOpenCommand(t *testing.T) {
	u := "https://x.example/$(touch%20pwned);rm"
	for _, c := range []struct {
		cfg     []string
		browser string
		want    []string
	}{
		{nil, "", []string{"xdg-open", u}},
		{nil, "firefox --new-tab:chromium", []string{"firefox", "--new-tab", u}},
		{[]string{"mpv", "{url}", "--force-window"}, "firefox", []string{"mpv", u, "--force-window"}},
		{[]string{"w3m"}, "", []string{"w3m", u}},
	} {
		if got := openCommand(c.cfg, c.browser, u); !reflect.DeepEqual(got, c.want) {
			t.Errorf("openCommand(%q, %q) = %q, want %q", c.cfg, c.browser, got, c.want)
		}
	}
}

// A wrapped URL continues at the row's first cell (no hanging indent), and
// /url lists links newest first; /url open passes the URL as one argument
// to the configured program, never through a shell.
func TestLinksDrawnListedOpened(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "args")
	script := filepath.Join(dir, "opener")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > "+out+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	f := newFake("me@example.org")
	h := startUIPrep(t, 60, 20, func(u *UI) { u.opts.URLOpenCmd = []string{script} }, f)
	long := "https://example.org/" + strings.Repeat("abcdefghij", 6)
	hostile := "https://x.example/$(touch%20pwned);rm"
	h.post(msgIn(f, "alice@example.org/phone", "see "+long+" ok", fixedNow()), msgIn(f, "alice@example.org/phone", hostile, fixedNow()))
	h.sync(func() { h.u.show(1) })
	var rows []row
	var e *entry
	h.sync(func() {
		e = h.u.curWin().buf.at(0)
		rows = e.wrapped(h.u.convo.width)
	})
	if len(e.links) != 1 || e.text[e.links[0].start:e.links[0].end] != long {
		t.Fatalf("links %+v of %q", e.links, e.text)
	}
	for _, r := range rows[1:] {
		if r.from > e.links[0].start && r.from < e.links[0].end && r.indent != 0 {
			t.Fatalf("a row inside the URL is indented: %+v", rows)
		}
	}
	h.typeText("/url")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("list", func() bool {
		w := h.u.curWin()
		last := w.buf.at(w.buf.len() - 1).text
		return strings.Contains(last, " 1. 12:34 alice@example.org: "+hostile) && strings.Contains(last, " 2. 12:34 alice@example.org: "+long)
	})
	h.typeText("/url open")
	h.key(tcell.KeyEnter, 0, 0)
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(out)
		if string(b) == hostile+"\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the opener got %q, want %q", b, hostile)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat("pwned"); err == nil {
		t.Fatal("the URL ran through a shell")
	}
}
