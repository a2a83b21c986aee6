package ui

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/uniseg"
)

// All drawing goes cell by cell through these helpers, with uniseg widths
// (the table tcell and sanitize use): text is never parsed for tags.

// put draws s from (x, y), clipped at x+maxw, and returns the x after it.
// A wide grapheme that would cross the limit is not drawn.
func put(scr tcell.Screen, x, y, maxw int, s string, st tcell.Style) int {
	end := x + maxw
	state := -1
	for s != "" && x < end {
		var g string
		var w int
		g, s, w, state = uniseg.FirstGraphemeClusterInString(s, state)
		if w == 0 {
			continue
		}
		if x+w > end {
			break
		}
		scr.Put(x, y, g, st)
		x += w
	}
	return x
}

// paint paints cells [x, x+w) of row y: draw puts its text on r, then the
// cells it left are filled with spaces in style st. Each cell is put once
// a frame (filling first and writing over it would put the text cells
// twice, and a frame whose text did not change would still reach tcell,
// frame.go). One rowScreen (UI.row) serves every bar, on the tview
// goroutine.
func (r *rowScreen) paint(scr tcell.Screen, x, y, w int, st tcell.Style, draw func(tcell.Screen)) {
	r.Screen, r.x, r.y = scr, x, y
	r.used = append(r.used[:0], make([]bool, max(w, 0))...)
	draw(r)
	for i, u := range r.used {
		if !u {
			scr.Put(x+i, y, " ", st)
		}
	}
	r.Screen = nil
}

// rowScreen records which cells of its row are put (paint).
type rowScreen struct {
	tcell.Screen
	x, y int
	used []bool
}

// Put implements tcell.Screen.
func (r *rowScreen) Put(x, y int, str string, st tcell.Style) (string, int) {
	rest, width := r.Screen.Put(x, y, str, st)
	if y == r.y {
		for i := x - r.x; i < x-r.x+max(width, 1); i++ {
			if i >= 0 && i < len(r.used) {
				r.used[i] = true
			}
		}
	}
	return rest, width
}

// SetContent implements tcell.Screen, through Put (so the cell is recorded).
func (r *rowScreen) SetContent(x, y int, primary rune, combining []rune, st tcell.Style) {
	r.Put(x, y, string(append([]rune{primary}, combining...)), st)
}

// fill paints cells [x, x+w) of row y with spaces in style st.
func fill(scr tcell.Screen, x, y, w int, st tcell.Style) {
	for i := 0; i < w; i++ {
		scr.Put(x+i, y, " ", st)
	}
}

// blank paints the w×h cells from (x, y) in style st, for a widget's own
// area before it draws on it. tview clears the screen to the default style
// before every frame, so in that style (the default theme) there is nothing
// to paint: filling cell by cell was an eighth of the CPU of a frame.
func blank(scr tcell.Screen, x, y, w, h int, st tcell.Style) {
	if st == tcell.StyleDefault {
		return
	}
	for i := 0; i < h; i++ {
		fill(scr, x, y+i, w, st)
	}
}

// row is one screen row of a wrapped text: the bytes [from, to) of the text,
// drawn after indent cells.
type row struct {
	from, to int
	indent   int
	sep      bool // a day separator above a conversation's entry, not text
}

// wrap breaks text into rows of at most width cells. A "\n" forces a break.
// Rows after the first are indented by indent cells (when that leaves room).
// Breaks go after a space when the row has one past byte minBreak (so the
// space after a "time nick:" prefix does not count), else between graphemes.
// A row that continues a link is not indented, so that the URL stays one
// run of cells that a terminal can select whole.
func wrap(text string, width, indent, minBreak int, links []linkSpan, rows []row) []row {
	if width < 1 {
		width = 1
	}
	if indent > width/2 {
		indent = 0
	}
	start, ind := 0, 0
	for {
		avail := width - ind
		col, pos, state := 0, start, -1
		lastSpace := -1 // byte index just after the last space in the row
		end, next := len(text), len(text)
		for pos < len(text) {
			if text[pos] == '\n' {
				end, next = pos, pos+1
				break
			}
			g, _, w, st := uniseg.FirstGraphemeClusterInString(text[pos:], state)
			state = st
			if col+w > avail && col > 0 {
				if lastSpace > start && lastSpace > minBreak {
					end, next = lastSpace, lastSpace
				} else {
					end, next = pos, pos
				}
				break
			}
			col += w
			pos += len(g)
			if g == " " {
				lastSpace = pos
			}
		}
		if pos >= len(text) && end == len(text) {
			end, next = len(text), len(text)
		}
		rows = append(rows, row{from: start, to: end, indent: ind})
		if next >= len(text) {
			if next == len(text) && end < next && text[end] == '\n' {
				rows = append(rows, row{from: next, to: next, indent: indent})
			}
			return rows
		}
		start, ind = next, indent
		if inLink(links, start) {
			ind = 0
		}
	}
}
