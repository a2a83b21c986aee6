package ui

import (
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/uniseg"

	"parley/styling"
)

// A frame that shows one new line scrolls every row of the conversation
// pane, so every visible row is drawn again. Laying a row out (splitting it
// into graphemes, choosing each one's style from the nick, the spans, the
// links, the search match) was most of the pane's cost; the laid-out rows
// of each visible entry are kept (convoView.lay), so a frame copies cells
// for the entries that only moved and lays out the new one.
//
// A layout is keyed by a copy of everything drawRow reads of its entry,
// the width and the theme (layoutKey): an entry edited in any way (a
// correction, a retraction, a reaction, a delivery or read mark, a search
// selection or match, a day separator) no longer matches its key and is
// laid out again, without any mutator having to say so. Slices are keyed
// by their array and length: code that changes an entry replaces them,
// never writes into them. Only the entries of the last frame keep their
// layouts, so the cache holds about one screen of cells.

// laidCell is one grapheme of a laid-out row: col cells from the row's
// left, w cells wide, in style styles[st] of its layout.
type laidCell struct {
	g   string
	col uint16
	w   uint8
	st  uint16
}

// layout is an entry laid out for one width and theme: the cells each of
// its rows puts (the rows of entry.wrapped), in order.
type layout struct {
	key    layoutKey
	styles []tcell.Style
	cells  []laidCell
	ends   []int  // ends[j] is the end in cells of row j
	sep    string // a day separator's text

	sids     []uint16 // the frameScreen ids of styles, made in sidEpoch (frame_styles.go)
	sidEpoch uint32
}

// layoutKey is what a layout was made from (see above).
type layoutKey struct {
	w                             int
	th                            Theme
	text, quote                   string
	t                             time.Time
	kind                          lineKind
	nickStart, nickEnd, bodyStart int
	hlStart, hlEnd                int
	nickColor                     tcell.Color
	selected, dayHead             bool
	spans                         *styling.Span
	links                         *linkSpan
	tints                         *tint
	rows                          *row
	nSpans, nLinks, nTints, nRows int
}

// first is the address of s's first element, nil when s is empty.
func first[T any](s []T) *T {
	if len(s) == 0 {
		return nil
	}
	return &s[0]
}

// keyOf returns the key of e's layout at width w in theme th; rows are
// e.wrapped(w).
func keyOf(e *entry, rows []row, w int, th Theme) layoutKey {
	k := layoutKey{
		w: w, th: th, text: e.text, t: e.t, kind: e.kind,
		nickStart: e.nickStart, nickEnd: e.nickEnd, bodyStart: e.bodyStart,
		hlStart: e.hlStart, hlEnd: e.hlEnd, nickColor: e.nickColor,
		selected: e.selected, dayHead: e.dayHead,
		spans: first(e.spans), links: first(e.links), tints: first(e.tints), rows: first(rows),
		nSpans: len(e.spans), nLinks: len(e.links), nTints: len(e.tints), nRows: len(rows),
	}
	if e.ext != nil {
		k.quote = e.ext.quote
	}
	return k
}

// style returns the index of st in l.styles, adding it.
func (l *layout) style(st tcell.Style) uint16 {
	for i := len(l.styles) - 1; i >= 0; i-- {
		if l.styles[i] == st {
			return uint16(i)
		}
	}
	l.styles = append(l.styles, st)
	return uint16(len(l.styles) - 1)
}

// reset empties l for reuse, keeping its arrays.
func (l *layout) reset() {
	clear(l.cells) // no text of a dropped entry stays reachable
	l.styles, l.cells, l.ends, l.sep = l.styles[:0], l.cells[:0], l.ends[:0], ""
	l.sids, l.sidEpoch = l.sids[:0], 0
}

// layEntry lays out every row of e (rows, at width w) into l.
func layEntry(l *layout, th Theme, e *entry, rows []row, w int) {
	l.reset()
	l.key = keyOf(e, rows, w, th)
	for _, r := range rows {
		layRow(l, th, e, r, w)
		l.ends = append(l.ends, len(l.cells))
	}
}

// layRow appends the cells of row r of e, w cells wide, to l.
func layRow(l *layout, th Theme, e *entry, r row, w int) {
	base := th.base()
	if r.sep {
		if l.sep == "" {
			l.sep = "-- " + e.t.Format(dayLayout) + " --"
		}
		st := l.style(base.Foreground(th.Info).Bold(true))
		s, col, state := l.sep, 0, -1
		for s != "" && col < w {
			var g string
			var gw int
			g, s, gw, state = uniseg.FirstGraphemeClusterInString(s, state)
			if gw == 0 {
				continue
			}
			if col+gw > w {
				break
			}
			l.cells = append(l.cells, laidCell{g: g, col: uint16(col), w: uint8(gw), st: st})
			col += gw
		}
		return
	}
	body := base
	switch e.kind {
	case lineOwn, lineOwnAct:
		body = base.Foreground(th.Own)
	case lineInfo:
		body = base.Foreground(th.Info)
	case lineError:
		body = base.Foreground(th.Error)
	case lineHigh:
		body = base.Foreground(th.Highlight)
	}
	body = th.line(body, e.kind) // attributes in mono (theme.go)
	timeSt := base.Foreground(th.Time)
	nickSt := base.Foreground(e.nickColor).Bold(true)
	if e.kind == lineOwn || e.kind == lineOwnAct {
		nickSt = base.Foreground(th.Own).Bold(true)
	}
	col := r.indent
	pos := r.from
	s := e.text[r.from:r.to]
	state := -1
	k := spanAt(e.spans, pos)
	quoteEnd := 0 // a reply's quote line is drawn as a quote (refs.go)
	if e.ext != nil && e.ext.quote != "" {
		quoteEnd = e.bodyStart + len(e.ext.quote)
	}
	li := 0              // the link at or after pos
	ti := 0              // the tint at or after pos
	var last tcell.Style // the style of the cell before, at index lastSt
	lastSt, have := uint16(0), false
	for s != "" && col < w {
		var g string
		var gw int
		g, s, gw, state = uniseg.FirstGraphemeClusterInString(s, state)
		st := body
		switch {
		case pos < e.nickStart:
			st = timeSt
		case pos < e.nickEnd:
			st = nickSt
		case pos < quoteEnd:
			st = base.Foreground(th.Info)
		}
		for k < len(e.spans) && e.spans[k].End <= pos {
			k++
		}
		if k < len(e.spans) && e.spans[k].Start <= pos {
			st = th.styled(st, e.spans[k])
		}
		for li < len(e.links) && e.links[li].end <= pos {
			li++
		}
		if e.tints != nil {
			st = th.tintAt(st, e.tints, pos, &ti)
		}
		if li < len(e.links) && e.links[li].start <= pos {
			st = linkStyle(st, e.text, e.links[li])
		}
		if pos >= e.hlStart && pos < e.hlEnd {
			st = st.Foreground(th.Highlight).Bold(true).Underline(true)
		}
		if e.selected {
			st = st.Reverse(true)
		}
		pos += len(g)
		if gw == 0 || col+gw > w {
			continue
		}
		if !have || st != last {
			last, lastSt, have = st, l.style(st), true
		}
		l.cells = append(l.cells, laidCell{g: g, col: uint16(col), w: uint8(gw), st: lastSt})
		col += gw
	}
}

// paintRow puts the cells of row j of l at (x, y), w cells wide; when fill
// is not the default style (which tview's clear already left), the cells
// the row leaves are painted with spaces in it.
func (l *layout) paintRow(scr tcell.Screen, x, y, w, j int, fill tcell.Style) {
	from := 0
	if j > 0 {
		from = l.ends[j-1]
	}
	bare := fill == tcell.StyleDefault
	if fs, ok := scr.(*frameScreen); ok && bare {
		fs.styleIDs(l.styles, &l.sids, &l.sidEpoch)
		fs.putCells(x, y, l.cells[from:l.ends[j]], l.styles, l.sids)
		return
	}
	col := 0
	for _, c := range l.cells[from:l.ends[j]] {
		for ; !bare && col < int(c.col); col++ {
			scr.Put(x+col, y, " ", fill)
		}
		scr.Put(x+int(c.col), y, c.g, l.styles[c.st])
		col = int(c.col) + int(c.w)
	}
	for ; !bare && col < w; col++ {
		scr.Put(x+col, y, " ", fill)
	}
}

// layoutOf returns the layout of e at width w for this frame: the one kept
// from the last frame when its key still matches, else a new one.
func (c *convoView) layoutOf(e *entry, w int) *layout {
	if l := c.lay[e]; l != nil {
		return l
	}
	rows := e.wrapped(w)
	th := c.u.theme
	l := c.old[e]
	if l != nil {
		delete(c.old, e)
		if l.key != keyOf(e, rows, w, th) {
			layEntry(l, th, e, rows, w)
		}
	} else {
		if n := len(c.free); n > 0 {
			l, c.free = c.free[n-1], c.free[:n-1]
		} else {
			l = new(layout)
		}
		layEntry(l, th, e, rows, w)
	}
	c.lay[e] = l
	return l
}

// beginLayouts starts a frame's use of the layouts: those of the last
// frame become old, to be taken by layoutOf.
func (c *convoView) beginLayouts() {
	c.old, c.lay = c.lay, c.old
	if c.lay == nil {
		c.lay = make(map[*entry]*layout)
	}
}

// endLayouts drops the layouts of entries this frame did not draw.
func (c *convoView) endLayouts() {
	for _, l := range c.old {
		l.reset()
		c.free = append(c.free, l)
	}
	clear(c.old)
}
