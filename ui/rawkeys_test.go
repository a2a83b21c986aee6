package ui

import (
	"io"
	"sync"
	"testing"

	"github.com/gdamore/tcell/v2"
	"github.com/gdamore/tcell/v2/terminfo"
)

// keyTty is a terminal whose input is the bytes a test writes with send:
// tcell's real input parser runs on them, as on the bytes tmux sends.
type keyTty struct {
	w, h int
	in   chan []byte
	stop chan struct{}
	once sync.Once
	rest []byte

	mu  sync.Mutex
	out []byte // what was written, for the sequences a test looks for
}

func newKeyTty(w, h int) *keyTty {
	return &keyTty{w: w, h: h, in: make(chan []byte, 16), stop: make(chan struct{})}
}

func (t *keyTty) Start() error        { return nil }
func (t *keyTty) Stop() error         { t.once.Do(func() { close(t.stop) }); return nil }
func (t *keyTty) Drain() error        { return t.Stop() }
func (t *keyTty) NotifyResize(func()) {}
func (t *keyTty) Close() error        { return t.Stop() }
func (t *keyTty) Write(p []byte) (int, error) {
	t.mu.Lock()
	t.out = append(t.out, p...)
	if len(t.out) > 1<<20 {
		t.out = t.out[len(t.out)-1<<19:] // screens drawn: keep the recent part
	}
	t.mu.Unlock()
	return len(p), nil
}

// written returns what was written so far.
func (t *keyTty) written() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.out)
}
func (t *keyTty) WindowSize() (tcell.WindowSize, error) {
	return tcell.WindowSize{Width: t.w, Height: t.h}, nil
}
func (t *keyTty) Read(p []byte) (int, error) {
	if len(t.rest) == 0 {
		select {
		case b := <-t.in:
			t.rest = b
		case <-t.stop:
			return 0, io.EOF
		}
	}
	n := copy(p, t.rest)
	t.rest = t.rest[n:]
	return n, nil
}

// send writes bytes as the terminal would: in one read.
func (t *keyTty) send(b string) { t.in <- []byte(b) }

// startRawUI runs a UI on tcell's terminfo screen for term, fed by a keyTty.
func startRawUI(t *testing.T, term string, fakes ...*fakeAccount) (*harness, *keyTty) {
	t.Helper()
	ti, err := terminfo.LookupTerminfo(term)
	if err != nil {
		t.Skipf("no %s terminfo: %v", term, err)
	}
	tty := newKeyTty(100, 30)
	scr, err := tcell.NewTerminfoScreenFromTtyTerminfo(tty, ti)
	if err != nil {
		t.Fatal(err)
	}
	return runUI(t, scr, nil, fakes...), tty
}

// TestRawKeys feeds the bytes tmux sends for Alt and Ctrl chords through
// tcell's input parser and the UI's input handler, under the TERM values
// tmux users have: Alt-Enter (ESC CR) and Ctrl-J (LF) break the line, ESC
// LF too, and Alt chords that nothing binds type nothing.
func TestRawKeys(t *testing.T) {
	tests := []struct {
		name  string
		bytes []string // each written in one read, as a key press arrives
		want  string
	}{
		{"alt-enter", []string{"one", "\x1b\r", "two"}, "one\ntwo"},
		{"ctrl-j", []string{"one", "\n", "two"}, "one\ntwo"},
		{"esc-lf", []string{"one", "\x1b\n", "two"}, "one\ntwo"},
		{"unbound alt letters", []string{"\x1bm", "\x1bg", "\x1bl", "x"}, "x"},
		{"unbound alt punctuation", []string{"a", "\x1b.", "\x1b,", "b"}, "ab"},
		{"alt-ctrl letter", []string{"a", "\x1b\x01", "b"}, "ab"},
	}
	for _, term := range []string{"tmux-256color", "screen-256color", "xterm-256color"} {
		for _, tc := range tests {
			t.Run(term+"/"+tc.name, func(t *testing.T) {
				h, tty := startRawUI(t, term, newFake("me@example.org"))
				for _, b := range tc.bytes {
					tty.send(b)
				}
				h.inputIs(tc.want)
				if h.u.cur != 0 {
					t.Errorf("window %d is current; the keys moved it", h.u.cur+1)
				}
			})
		}
	}
}
