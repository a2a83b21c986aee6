package ui

import "github.com/gdamore/tcell/v2"

// A pane that can tell when what it would draw is what it drew last (its
// own generation counters, its rectangle, its scroll position and focus)
// skips drawing: frameScreen keeps its cells as they are. This holds only
// when nothing else drew over the pane since, which frameScreen knows from
// the owner of each cell: a popup over the roster, or a layout change, and
// the pane draws again.

// Pane ids: which pane last put a cell (frameScreen.owner). Cells blanked by
// Show belong to none; cells put outside a cached pane to paneOther.
const (
	paneNone uint8 = iota
	paneOther
	paneRoster
	paneOccupants
	paneBars // the window bar and the status bar (winbar.go, statusbar.go)
)

// barsScope has what scr draws until the returned func is called count as
// the bars' (frameScreen.changedBy: a frame that changes nothing else is
// paced as background activity, ui.go).
func barsScope(scr tcell.Screen) func() {
	fs, ok := scr.(*frameScreen)
	if !ok {
		return func() {}
	}
	fs.scope = paneBars
	return func() { fs.scope = paneOther }
}

// paneCache remembers the key of what a pane drew last.
type paneCache[K comparable] struct {
	id    uint8
	key   K
	valid bool
}

// begin is called by a pane's Draw with the key of what it is about to draw
// and its rectangle. It returns true when the pane may skip drawing (its
// cells are kept); otherwise the pane draws, and end must follow.
func (c *paneCache[K]) begin(scr tcell.Screen, key K, x, y, w, h int) bool {
	fs, ok := scr.(*frameScreen)
	if !ok {
		return false
	}
	if c.valid && c.key == key && fs.keep(c.id, x, y, w, h) {
		return true
	}
	c.key, c.valid = key, true
	fs.scope = c.id
	return false
}

// end ends the drawing begun by begin.
func (c *paneCache[K]) end(scr tcell.Screen) {
	if fs, ok := scr.(*frameScreen); ok {
		fs.scope = paneOther
	}
}

// keep marks the cells of pane id in the rectangle as drawn in this frame,
// unchanged, if every cell there is the pane's or blank, and the last frame
// was shown; it reports whether it did.
func (s *frameScreen) keep(id uint8, x, y, w, h int) bool {
	if !s.clearing || s.unknown || s.shown != s.frame-1 || w <= 0 || h <= 0 {
		return false
	}
	x0, y0, x1, y1 := max(x, 0), max(y, 0), min(x+w, s.w), min(y+h, s.h)
	for yy := y0; yy < y1; yy++ {
		for _, o := range s.owner[yy*s.w+x0 : yy*s.w+x1] {
			if o != id && o != paneNone {
				return false
			}
		}
	}
	for yy := y0; yy < y1; yy++ {
		for i := yy*s.w + x0; i < yy*s.w+x1; i++ {
			if s.owner[i] == id {
				s.drawn[i] = s.frame
			}
		}
	}
	return true
}
