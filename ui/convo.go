package ui

import (
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"

	"parley/styling"
)

// lineKind says how an entry is drawn.
type lineKind uint8

const (
	lineMsg    lineKind = iota // a message from someone else
	lineOwn                    // a message we sent
	lineAction                 // "/me" from someone else
	lineOwnAct                 // "/me" from us
	lineInfo                   // presence change, notice
	lineError                  // an error
	lineHigh                   // a message that mentions us
)

// entry is one line of a conversation: a message or an info line. Its text
// is already sanitized and composed ("15:04 alice: body"); the byte offsets
// say which part gets which style. The wrapped rows are cached per width.
type entry struct {
	t         time.Time // the message's time (in the UI's zone), shown
	key       time.Time // where it goes in time order: t, but never past its arrival
	kind      lineKind
	text      string
	nickStart int
	nickEnd   int
	bodyStart int
	nickColor tcell.Color
	selected  bool // drawn reversed: a search selection, a search hit
	hlStart   int  // bytes [hlStart, hlEnd) of text are a search match
	hlEnd     int
	msgID     string   // our sent message's id, for delivery marks (delivery.go)
	ids       []string // the keys of the message's ids (lineKeys, render.go)
	from, occ string   // the author: full JID, occupant-id (msgView; correct.go)
	delivered bool     // the delivered mark was added to text
	pending   bool     // the pending mark was added to text (cmd_conn.go)
	read      bool     // ours, displayed by the other side: readMark was added to text (markers.go)
	markID    string   // theirs, markable: the id a displayed marker for it names (markers.go)
	shown     bool     // theirs: a displayed marker covers it (sent, or by another client of ours)
	// dayHead: the entry is the first of its day after entries of
	// another day; a separator row with the date is drawn above it.
	dayHead bool
	// spans are the XEP-0393 styling of the body (styled.go), in order,
	// offsets into text; nil for a plain line.
	spans []styling.Span
	// ext is what references added (a reply's quote, reactions, a
	// tombstone: refs.go); nil for most lines.
	ext *lineExt
	// links are the URLs of the body (links.go), in order.
	links []linkSpan
	// tints colour an XML console entry (xmlconsole.go), in order.
	tints []tint

	// hk identifies the message in the history (lineHash, page.go); 0 for
	// lines that are not stored messages.
	hk uint64

	wrapW int
	rows  []row
}

// wrapped returns the rows of e at width, computing them once per width;
// the first is the day separator when e has one.
func (e *entry) wrapped(width int) []row {
	if e.wrapW != width || e.rows == nil {
		e.rows = e.rows[:0]
		if e.dayHead {
			e.rows = append(e.rows, row{sep: true})
		}
		e.rows = wrap(e.text, width, uniseg.StringWidth(e.text[:e.bodyStart]), e.bodyStart, e.links, e.rows)
		e.wrapW = width
	}
	return e.rows
}

// dayLayout is the date of a day separator: "-- Monday 30 November 2026 --".
const dayLayout = "Monday 2 January 2006"

// sameDay reports whether a and b (in their own zones) fall on the same
// calendar day.
func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// ring is a bounded list of entries: pushing onto a full ring drops the
// oldest entry. Index 0 is the oldest. In a ring with days, an entry whose
// day differs from the one before it gets a day separator (dayHead).
type ring struct {
	buf   []*entry
	start int
	n     int
	max   int
	days  bool
	// byID finds the entry of a message by one of its keys (lineKeys) in
	// O(1): where a correction, a reaction or a retraction goes. An entry
	// leaves it when it leaves the ring; of two entries with one key, the
	// newer added wins.
	byID map[string]*entry
	// dropped, when set, is told of each entry leaving the ring; oldest:
	// pushed out by a newer one (page.go).
	dropped func(e *entry, oldest bool)
}

// lookup returns the entry of the message with key k (see lineKeys), nil
// when the ring has none.
func (r *ring) lookup(k string) *entry { return r.byID[k] }

// index adds e's keys.
func (r *ring) index(e *entry) {
	if len(e.ids) == 0 {
		return
	}
	if r.byID == nil {
		r.byID = make(map[string]*entry)
	}
	for _, k := range e.ids {
		r.byID[k] = e
	}
}

// unindex removes e's keys (those still naming e).
func (r *ring) unindex(e *entry) {
	for _, k := range e.ids {
		if r.byID[k] == e {
			delete(r.byID, k)
		}
	}
}

func newRing(max int) *ring { return &ring{max: max} }

// markDay recomputes the day separator of entry i: set when an earlier
// entry with a time is of another day. Entries without a time (markers
// such as "beginning of the history") have none and are skipped.
func (r *ring) markDay(i int) {
	if i < 0 || i >= r.n {
		return
	}
	e := r.at(i)
	head := false
	if r.days && !e.t.IsZero() {
		for j := i - 1; j >= 0; j-- {
			if p := r.at(j); !p.t.IsZero() {
				head = !sameDay(p.t, e.t)
				break
			}
		}
	}
	if head != e.dayHead {
		e.dayHead = head
		e.rows, e.wrapW = nil, 0
	}
}

// insert puts e in time order: after the last entry that is not newer
// (a marker without a time is a boundary), so that a delayed or archived
// message lands among those of its time. It returns e's index, -1 when
// the ring is full and e is older than everything it keeps.
func (r *ring) insert(e *entry) int {
	i := r.insertAt(e)
	if i >= 0 {
		r.index(e)
	}
	return i
}

func (r *ring) insertAt(e *entry) int {
	i := r.n
	for i > 0 && r.at(i-1).key.After(e.key) {
		i--
	}
	if i == r.n {
		r.push(e)
		return r.n - 1
	}
	if r.n == r.max {
		if i == 0 {
			return -1
		}
		r.evict()
		r.start = (r.start + 1) % r.max // the oldest goes
		r.n--
		i--
	}
	last := r.at(r.n - 1)
	r.pushRaw(last)
	for j := r.n - 2; j > i; j-- {
		r.buf[(r.start+j)%len(r.buf)] = r.at(j - 1)
	}
	r.buf[(r.start+i)%len(r.buf)] = e
	r.markDay(i)
	r.markDay(i + 1)
	return i
}

// evict unindexes the oldest entry, which a full ring is about to drop.
func (r *ring) evict() {
	e := r.at(0)
	r.unindex(e)
	if r.dropped != nil {
		r.dropped(e, true)
	}
}

// push appends e, dropping the oldest entry when the ring is full.
func (r *ring) push(e *entry) {
	if r.n == r.max {
		r.evict()
	}
	r.pushRaw(e)
	r.index(e)
	r.markDay(r.n - 1)
}

// pushRaw is push without the day separator.
func (r *ring) pushRaw(e *entry) {
	if r.n < r.max {
		if len(r.buf) < r.max {
			r.buf = append(r.buf, e)
			r.n++
			return
		}
		r.buf[(r.start+r.n)%r.max] = e
		r.n++
		return
	}
	r.buf[r.start] = e
	r.start = (r.start + 1) % r.max
}

// prepend puts older entries (oldest first) before the current ones, as far
// as there is room: this is where pages of older history go.
func (r *ring) prepend(older []*entry) {
	room := r.max - r.n
	if room <= 0 {
		return
	}
	if len(older) > room {
		older = older[len(older)-room:]
	}
	all := make([]*entry, 0, r.max)
	all = append(all, older...)
	for i := 0; i < r.n; i++ {
		all = append(all, r.at(i))
	}
	r.buf, r.start, r.n = all, 0, len(all)
	for i := 0; i <= len(older); i++ {
		r.markDay(i)
	}
	for _, e := range older {
		for _, k := range e.ids {
			if r.byID == nil {
				r.byID = make(map[string]*entry)
			}
			if r.byID[k] == nil { // a newer line with the key wins
				r.byID[k] = e
			}
		}
	}
}

// at returns the i-th oldest entry.
func (r *ring) at(i int) *entry { return r.buf[(r.start+i)%len(r.buf)] }

// len returns the number of entries.
func (r *ring) len() int { return r.n }

// clear removes every entry.
func (r *ring) clear() { r.buf, r.start, r.n, r.byID = nil, 0, 0, nil }

// convoView draws the current window's entries: only the visible rows,
// bottom-aligned, scrolled up by the window's scroll rows.
type convoView struct {
	*tview.Box
	u      *UI
	height int // rows at the last draw, for PgUp/PgDn
	width  int
	// markable is the newest entry with a markID among the rows of the
	// last draw, of window markWin: what a displayed marker may name
	// (markers.go).
	markable *entry
	markWin  *window
	// vis are the rows of this draw, bottom first (reused).
	vis []visRow
	// lay are the layouts of the entries drawn by the last frame, old
	// those of the frame before while a frame is drawn, free emptied ones
	// to reuse (convo_layout.go).
	lay, old map[*entry]*layout
	free     []*layout
}

// visible is one row to draw.
type visible struct {
	e *entry
	r row
}

// visRow is one row to draw: row j of entry e.
type visRow struct {
	e *entry
	j int
}

// Draw implements tview.Primitive. It paints every cell of its rectangle
// itself, so it skips the Box's background fill.
func (c *convoView) Draw(scr tcell.Screen) {
	x, y, w, h := c.GetInnerRect()
	c.width, c.height = w, h
	c.markable = nil
	base := c.u.theme.base()
	if w <= 0 || h <= 0 {
		return
	}
	win := c.u.curWin()
	if win.kind == winForm && win.form != nil {
		blank(scr, x, y, w, h, base)
		c.u.drawForm(scr, x, y, w, h, win) // ui/form_draw.go
		return
	}
	c.markWin = win
	for {
		c.vis = c.vis[:0]
		skip := win.scroll
		total := 0
		for i := win.buf.len() - 1; i >= 0 && len(c.vis) < h; i-- {
			e := win.buf.at(i)
			er := e.wrapped(w)
			for j := len(er) - 1; j >= 0 && len(c.vis) < h; j-- {
				total++
				if total <= skip {
					continue
				}
				c.vis = append(c.vis, visRow{e, j})
				if c.markable == nil && e.markID != "" {
					c.markable = e
				}
			}
		}
		if len(c.vis) < h && skip > 0 {
			// Scrolled past the top: clamp and lay out from the top.
			win.scroll = max(win.scroll-(h-len(c.vis)), 0)
			c.markable = nil
			continue
		}
		break
	}
	blank(scr, x, y, w, h-len(c.vis), base) // above the first entry
	c.beginLayouts()
	for i, v := range c.vis {
		c.layoutOf(v.e, w).paintRow(scr, x, y+h-1-i, w, v.j, base)
	}
	c.endLayouts()
}

// drawRow draws one row of an entry with the entry's styles, laying it out
// afresh (Draw keeps the layouts of the rows it draws).
func (c *convoView) drawRow(scr tcell.Screen, x, y, w int, v visible) {
	var l layout
	layRow(&l, c.u.theme, v.e, v.r, w)
	l.ends = append(l.ends, len(l.cells))
	l.paintRow(scr, x, y, w, 0, tcell.StyleDefault)
}

// composeEntry builds an entry: "TIME NICK: body" for messages, "TIME * NICK
// body" for actions, "TIME -!- body" for info and error lines. nick and body
// must be sanitized; body lines are joined with "\n".
func composeEntry(t time.Time, layout string, kind lineKind, nick string, body []string) *entry {
	var b strings.Builder
	b.WriteString(t.Format(layout))
	b.WriteByte(' ')
	e := &entry{t: t, key: t, kind: kind}
	switch {
	case kind == lineInfo || kind == lineError || nick == "":
		e.nickStart = b.Len()
		b.WriteString("-!- ")
		e.nickEnd = e.nickStart
	case kind == lineAction || kind == lineOwnAct:
		b.WriteString("* ")
		e.nickStart = b.Len()
		b.WriteString(nick)
		e.nickEnd = b.Len()
		b.WriteByte(' ')
	default:
		e.nickStart = b.Len()
		b.WriteString(nick)
		e.nickEnd = b.Len()
		b.WriteString(": ")
	}
	e.bodyStart = b.Len()
	for i, l := range body {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	e.text = b.String()
	return e
}
