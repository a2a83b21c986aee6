package ui

import (
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
)

// TestPaneCache draws a cached pane frame after frame: kept (not drawn,
// nothing sent, its cells still there) while its key holds, drawn again
// when the key changes or when something else drew over it, and after a
// frame that was not shown.
func TestPaneCache(t *testing.T) {
	scr, tty := terminal(t, 20, 4)
	fs := newFrameScreen(scr)
	c := paneCache[int]{id: paneRoster}
	draws := 0
	pane := func(key int) {
		if c.begin(fs, key, 0, 0, 10, 2) {
			return
		}
		defer c.end(fs)
		draws++
		fs.PutStr(0, 0, "pane "+strings.Repeat("x", key))
	}
	frame := func(key int, other func()) string {
		fs.Clear()
		pane(key)
		if other != nil {
			other()
		}
		fs.Show()
		return tty.sent()
	}
	cell := func(x int) string { s, _, _ := scr.Get(x, 0); return s }

	frame(1, nil)
	if out := frame(1, nil); draws != 1 || strings.Contains(out, "pane") {
		t.Fatalf("an unchanged pane drew %d times and sent %q", draws, out)
	}
	if cell(0) != "p" || cell(5) != "x" {
		t.Fatalf("a kept pane lost its cells: %q %q", cell(0), cell(5))
	}
	frame(2, nil)
	if draws != 2 || cell(6) != "x" {
		t.Fatalf("a changed key: %d draws, cell 6 %q", draws, cell(6))
	}
	// A popup over the pane, then gone: the pane draws again.
	frame(2, func() { fs.PutStr(1, 0, "POP") })
	if draws != 2 || cell(1) != "P" {
		t.Fatalf("popup frame: %d draws, cell 1 %q", draws, cell(1))
	}
	frame(2, nil)
	if draws != 3 || cell(1) != "a" {
		t.Fatalf("after the popup: %d draws, cell 1 %q, want the pane again", draws, cell(1))
	}
	// A frame drawn but not shown: the next one draws.
	fs.Clear()
	pane(2)
	frame(2, nil)
	if draws != 4 {
		t.Fatalf("after a frame not shown: %d draws, want 4", draws)
	}
	// A key that shrinks what the pane draws: the rest is blanked.
	frame(0, nil)
	if cell(5) != " " {
		t.Fatalf("cell 5 = %q after a shorter pane, want blank", cell(5))
	}
	frame(0, nil)
	if draws != 5 || cell(0) != "p" || cell(5) != " " {
		t.Fatalf("kept short pane: %d draws, cells %q %q", draws, cell(0), cell(5))
	}
	// Fill: the pane draws again.
	fs.Fill(' ', tcell.StyleDefault)
	fs.Show()
	frame(0, nil)
	if draws != 6 || cell(0) != "p" {
		t.Fatalf("after Fill: %d draws, cell 0 %q", draws, cell(0))
	}
}
