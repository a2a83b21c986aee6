package ui

import "github.com/gdamore/tcell/v2"

// A frame that scrolls the conversation puts every cell of the pane again,
// most of them as they already are; the compare of each cell's style with
// its shadow (a tcell.Style holds colours, attributes and two strings) was
// most of that cost. The conversation's layouts name their styles by ids
// that frameScreen hands out, one per distinct style: two cells put with
// ids have the same style exactly when their ids are equal, and the compare
// is one of two integers. A cell put by a widget through Put has no id
// (0), and is compared whole, as is a cell of a layout of more styles
// than the table would hold.

// maxStyleIDs bounds the styles given ids: past it, the table starts again
// (nick colours are many), and every id handed out before is void.
const maxStyleIDs = 4096

// styleTable hands out style ids (frameScreen.ids).
type styleTable struct {
	ids   map[tcell.Style]uint16
	epoch uint32 // counts the starts of the table; never 0
}

// styleIDs fills *ids with the ids of styles, unless they are the ids of
// this table already (*epoch is the table's epoch and len(*ids) ==
// len(styles)); a layout keeps its ids with the epoch they were made in.
func (s *frameScreen) styleIDs(styles []tcell.Style, ids *[]uint16, epoch *uint32) {
	t := &s.styles
	if t.epoch == 0 {
		s.restartStyles()
	}
	if *epoch == t.epoch && len(*ids) == len(styles) {
		return
	}
	*ids = (*ids)[:0]
	if len(styles) > maxStyleIDs/2 { // a row of colours: no ids, cells compared whole
		*ids = append(*ids, make([]uint16, len(styles))...)
		*epoch = t.epoch
		return
	}
	if len(t.ids)+len(styles) > maxStyleIDs {
		s.restartStyles()
	}
	for _, st := range styles {
		id, ok := t.ids[st]
		if !ok {
			id = uint16(len(t.ids) + 1)
			t.ids[st] = id
		}
		*ids = append(*ids, id)
	}
	*epoch = t.epoch
}

// restartStyles starts the style table again: every id handed out before
// is void, the shadow's included.
func (s *frameScreen) restartStyles() {
	t := &s.styles
	t.ids = make(map[tcell.Style]uint16, 64)
	t.epoch++
	if t.epoch == 0 {
		t.epoch = 1
	}
	for i := range s.shadow {
		s.shadow[i].sid = 0
	}
}

// putCells puts the cells of a laid-out row at (x, y), as Put would each
// (convo_layout.go), with sids the ids (styleIDs) of styles: without an
// interface call per cell, and with a cell that holds its grapheme and
// style already only marked drawn.
func (s *frameScreen) putCells(x, y int, cells []laidCell, styles []tcell.Style, sids []uint16) {
	if y < 0 || y >= s.h {
		for i := range cells {
			s.Put(x+int(cells[i].col), y, cells[i].g, styles[cells[i].st])
		}
		return
	}
	row := y * s.w
	for i := range cells {
		c := &cells[i]
		cx := x + int(c.col)
		if cx < 0 || cx >= s.w {
			s.Put(cx, y, c.g, styles[c.st])
			continue
		}
		sh := &s.shadow[row+cx]
		sid := sids[c.st]
		same := sh.ok && sameGrapheme(sh.g, c.g)
		if same {
			if sid != 0 && sh.sid != 0 {
				same = sid == sh.sid
			} else { // a cell put without an id
				same = s.shadowSt[row+cx] == styles[c.st]
			}
		}
		if same {
			if sh.w == 1 {
				s.drawn[row+cx], s.owner[row+cx] = s.frame, s.scope
			} else {
				s.mark(cx, y, int(sh.w))
			}
			continue
		}
		s.put(cx, y, c.g, styles[c.st])
		sh.sid = sid
	}
}

// sameGrapheme is a == b, without a call for the one-byte graphemes that
// most cells hold.
func sameGrapheme(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 1 {
		return a[0] == b[0]
	}
	return a == b
}
