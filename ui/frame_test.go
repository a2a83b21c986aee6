package ui

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/gdamore/tcell/v2"
	"github.com/gdamore/tcell/v2/terminfo"
)

// recTty is a terminal that records what tcell writes to it and never has
// input: the real tcell terminal screen runs on it.
type recTty struct {
	w, h int
	mu   sync.Mutex
	out  bytes.Buffer
	stop chan struct{}
	once sync.Once
}

func newRecTty(w, h int) *recTty { return &recTty{w: w, h: h, stop: make(chan struct{})} }

func (t *recTty) Start() error             { return nil }
func (t *recTty) Stop() error              { t.once.Do(func() { close(t.stop) }); return nil }
func (t *recTty) Drain() error             { return t.Stop() } // ends a blocked Read, as tcell expects
func (t *recTty) NotifyResize(func())      {}
func (t *recTty) Close() error             { return t.Stop() }
func (t *recTty) Read([]byte) (int, error) { <-t.stop; return 0, io.EOF }
func (t *recTty) WindowSize() (tcell.WindowSize, error) {
	return tcell.WindowSize{Width: t.w, Height: t.h}, nil
}
func (t *recTty) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.out.Write(p)
}

// sent returns and forgets what was written.
func (t *recTty) sent() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.out.String()
	t.out.Reset()
	return s
}

// terminal returns tcell's real terminal screen on a recording tty.
func terminal(t testing.TB, w, h int) (tcell.Screen, *recTty) {
	t.Helper()
	ti, err := terminfo.LookupTerminfo("xterm-256color")
	if err != nil {
		t.Skip("no xterm-256color terminfo:", err)
	}
	tty := newRecTty(w, h)
	scr, err := tcell.NewTerminfoScreenFromTtyTerminfo(tty, ti)
	if err != nil {
		t.Fatal(err)
	}
	if err := scr.Init(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(scr.Fini)
	return scr, tty
}

// TestFrameScreen draws frames the way tview does (Clear, draw, Show) on
// the real terminal screen and checks what reaches the terminal: nothing
// of an unchanged frame, only the change of a changed one, and blanks for
// what a frame no longer draws (wide characters included).
func TestFrameScreen(t *testing.T) {
	scr, tty := terminal(t, 80, 24)
	fs := newFrameScreen(scr)
	rows := make([]string, 20)
	for i := range rows {
		rows[i] = strings.Repeat(string(rune('a'+i)), 60)
	}
	draw := func(rows []string) string {
		fs.Clear()
		for y, r := range rows {
			fs.PutStrStyled(0, y, r, tcell.StyleDefault.Foreground(tcell.ColorGreen))
		}
		fs.Show()
		return tty.sent()
	}
	if first := draw(rows); !strings.Contains(first, rows[3]) {
		t.Fatalf("first frame lacks row 3: %q", first)
	}
	if again := draw(rows); len(again) > 64 || strings.Contains(again, "aaaa") {
		t.Errorf("an unchanged frame sent text (%d bytes): %q", len(again), again)
	}
	changed := append([]string(nil), rows...)
	changed[5] = strings.Repeat("f", 30) + "X" + strings.Repeat("f", 29)
	changed = changed[:18] // rows 18 and 19 are not drawn any more
	out := draw(changed)
	if !strings.Contains(out, "X") || strings.Contains(out, strings.Repeat("f", 10)) {
		t.Errorf("a one-cell change sent %q", out)
	}
	for _, y := range []int{18, 19} {
		for x := 0; x < 60; x++ {
			if s, st, _ := scr.Get(x, y); s != " " || st != tcell.StyleDefault {
				t.Fatalf("cell %d,%d not blanked: %q", x, y, s)
			}
		}
	}
	// Wide characters: kept whole while drawn, blanked when gone.
	wide := []string{"日本語 text"}
	draw(wide)
	if again := draw(wide); strings.Contains(again, "日") {
		t.Errorf("unchanged wide text sent again: %q", again)
	}
	if s, _, w := scr.Get(0, 0); s != "日" || w != 2 {
		t.Errorf("cell 0,0 = %q width %d, want 日 width 2", s, w)
	}
	draw(nil)
	for x := 0; x < 12; x++ {
		if s, _, _ := scr.Get(x, 0); s != " " {
			t.Errorf("cell %d,0 = %q after the text is gone, want blank", x, s)
		}
	}
	// A frame that was cleared and drawn but never shown: its cells are
	// blanked by the next frame shown too.
	draw([]string{"shown"})
	fs.Clear()
	fs.PutStr(0, 1, "never shown")
	draw(nil)
	for y := 0; y < 2; y++ {
		for x := 0; x < 11; x++ {
			if s, _, _ := scr.Get(x, y); s != " " {
				t.Fatalf("cell %d,%d = %q, want blank", x, y, s)
			}
		}
	}
}

// BenchmarkFrameBytes is what one unchanged 120x40 frame of text costs
// through frameScreen, and, in bytes/frame, what reaches the terminal.
func BenchmarkFrameBytes(b *testing.B) {
	for _, c := range []struct {
		name  string
		frame bool
	}{{"tcell", false}, {"frameScreen", true}} {
		b.Run(c.name, func(b *testing.B) {
			scr, tty := terminal(b, 120, 40)
			var s tcell.Screen = scr
			if c.frame {
				s = newFrameScreen(scr)
			}
			line := strings.Repeat("some text ", 9)
			n := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.Clear()
				for y := 0; y < 40; y++ {
					s.PutStrStyled(0, y, line, tcell.StyleDefault)
				}
				s.Show()
				n += len(tty.sent())
			}
			b.ReportMetric(float64(n)/float64(b.N), "bytes/frame")
		})
	}
}

// TestFrameShadow checks the shadow that lets an unchanged Put skip tcell:
// a cell drawn again as it was is not sent, and a wide grapheme whose right
// half something else overwrote is drawn again whole, not skipped.
func TestFrameShadow(t *testing.T) {
	scr, tty := terminal(t, 20, 3)
	fs := newFrameScreen(scr)
	frame := func(draw func()) string {
		fs.Clear()
		draw()
		fs.Show()
		return tty.sent()
	}
	green := tcell.StyleDefault.Foreground(tcell.ColorGreen)
	frame(func() { fs.Put(0, 0, "日", green); fs.Put(2, 0, "a", green) })
	if out := frame(func() { fs.Put(0, 0, "日", green); fs.Put(2, 0, "a", green) }); strings.Contains(out, "日") || strings.Contains(out, "a") {
		t.Errorf("an unchanged frame sent %q", out)
	}
	// The right half of 日 overwritten in a frame that draws 日 too, then
	// 日 drawn alone: tcell is asked again, not skipped.
	frame(func() { fs.Put(0, 0, "日", green); fs.Put(1, 0, "b", green) })
	if fs.shadow[0].ok {
		t.Errorf("the shadow of 日 survived the overwrite of its right half")
	}
	frame(func() { fs.Put(0, 0, "日", green) })
	if s, _, w := scr.Get(0, 0); s != "日" || w != 2 {
		t.Errorf("cell 0,0 = %q width %d, want 日 width 2", s, w)
	}
	if !fs.shadow[0].ok {
		t.Errorf("the shadow of 日 was not taken again")
	}
	// A style change is not skipped.
	frame(func() { fs.Put(0, 1, "x", green) })
	if out := frame(func() { fs.Put(0, 1, "x", green.Bold(true)) }); !strings.Contains(out, "x") {
		t.Errorf("a style change sent %q", out)
	}
	if _, st, _ := scr.Get(0, 1); st != green.Bold(true) {
		t.Errorf("cell 0,1 style %v, want bold green", st)
	}
	// Fill forgets the shadow: what was put before is put again.
	frame(func() { fs.Put(0, 2, "y", green) })
	fs.Fill(' ', tcell.StyleDefault)
	frame(func() { fs.Put(0, 2, "y", green) })
	if s, _, _ := scr.Get(0, 2); s != "y" {
		t.Errorf("cell 0,2 = %q after Fill and a Put, want y", s)
	}
}

// showCounter counts the Show calls that reach the screen under it.
type showCounter struct {
	tcell.Screen
	shows int
}

func (c *showCounter) Show() { c.shows++; c.Screen.Show() }

// TestFrameShowSkipped checks that a frame which changes nothing, neither a
// cell nor the cursor, does not reach tcell's Show (which scans every cell),
// and that every kind of change does.
func TestFrameShowSkipped(t *testing.T) {
	scr, _ := terminal(t, 80, 24)
	c := &showCounter{Screen: scr}
	fs := newFrameScreen(c)
	frame := func(text string, cursor int) int {
		before := c.shows
		fs.Clear()
		fs.HideCursor()
		for x, r := range text { // cell by cell, as tview draws
			fs.SetContent(x, 0, r, nil, tcell.StyleDefault)
		}
		if cursor >= 0 {
			fs.ShowCursor(cursor, 1)
		}
		fs.Show()
		return c.shows - before
	}
	steps := []struct {
		what   string
		text   string
		cursor int
		want   int
	}{
		{"first frame", "hello", 3, 1},
		{"the same frame", "hello", 3, 0},
		{"the same again", "hello", 3, 0},
		{"one cell changed", "hellO", 3, 1},
		{"the cursor moved", "hellO", 4, 1},
		{"the cursor hidden", "hellO", -1, 1},
		{"hidden still", "hellO", -1, 0},
		{"text no longer drawn", "", -1, 1},
		{"blank again", "", -1, 0},
	}
	for _, s := range steps {
		if got := frame(s.text, s.cursor); got != s.want {
			t.Errorf("%s: %d Show calls reached tcell, want %d", s.what, got, s.want)
		}
	}
	before := c.shows
	fs.Clear()
	fs.Fill(' ', tcell.StyleDefault)
	fs.Show()
	if c.shows == before {
		t.Error("a Fill did not reach tcell's Show")
	}
}
