package ui

import (
	"hash/fnv"
	"time"

	"parley/history"
)

// Bounded windows. A window with history keeps at most histEntries lines in
// memory (a window without history keeps maxEntries): the rest is read
// again from the history files when the user scrolls to it. Live messages
// push the oldest lines out; PgUp past the top of what is held reads older
// pages and, when the window is full, drops the newest lines (below the
// view), so that the window shows an older part of its conversation
// (detached, as a window opened at a search hit) until PgDn reads its way
// back to the newest record.
//
// What makes this work is a history cursor at page boundaries: bounds maps
// an entry to the boundary just older than it, set on the first entry of
// every page read. A window drops lines only at such a boundary, and reads
// them back from it. Live lines have no boundary; when PgUp needs what is
// older than the oldest line held and the cursor it had went with the lines
// pushed out, anchorOlder finds the oldest held message in the history,
// walking back from the newest end (it is at most histEntries records
// back), and gives the held lines boundaries on the way.

// histEntries is how many lines a window with history keeps in memory:
// several screens of scroll-back without reading the disk, about 1 MB.
const histEntries = 1000

// anchorWalk bounds the records anchorOlder reads looking for the oldest
// held message: more than a window holds, with room for records not shown
// (meta records) and for lines that arrived while it was being stored.
const anchorWalk = 4 * histEntries

// lineHash identifies a message in both its forms (live event, stored
// record) for anchorOlder: its id and its time to the millisecond (as
// stored), and its sender when it has no id. Never 0.
func lineHash(id, from string, t time.Time) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	h.Write([]byte{0})
	if id == "" {
		h.Write([]byte(from))
	}
	ms := t.UnixMilli()
	var b [8]byte
	for i := range b {
		b[i] = byte(ms >> (8 * i))
	}
	h.Write(b[:])
	return h.Sum64() | 1
}

// bounded makes w keep histEntries lines and follow what its lines leave.
func (u *UI) bounded(w *window) {
	w.buf.setMax(histEntries)
	h := w.hist
	w.buf.dropped = func(e *entry, oldest bool) {
		delete(h.bounds, e)
		if oldest {
			h.stale = true // the cursor below the lines held went with e
		}
	}
}

// bound records c (bare) as the boundary just older than e.
func (h *histState) bound(e *entry, c history.Cursor) {
	if e == nil {
		return
	}
	if h.bounds == nil {
		h.bounds = make(map[*entry]history.Cursor)
	}
	h.bounds[e] = c.Bare()
}

// haveOlder makes w.hist.older the boundary below the oldest line held,
// finding it again when it went with lines pushed out; false when it cannot
// be found (the lines held are not in the history, or too far back).
func (u *UI) haveOlder(w *window) bool {
	h := w.hist
	if !h.stale {
		return true
	}
	if w.buf.len() > 0 {
		if c, ok := h.bounds[w.buf.at(0)]; ok {
			h.older, h.oldDone, h.stale = c, false, false
			return true
		}
	}
	return u.anchorOlder(w)
}

// anchorOlder walks back from the newest record to the oldest message w
// holds, recording a boundary for each held line that starts a page on
// the way, and sets w.hist.older below it. The records older than it on
// its page are prepended (as far as there is room).
func (u *UI) anchorOlder(w *window) bool {
	h := w.hist
	held := make(map[uint64]*entry, w.buf.len())
	var target *entry
	for i := w.buf.len() - 1; i >= 0; i-- {
		if e := w.buf.at(i); e.hk != 0 {
			held[e.hk] = e
			target = e
		}
	}
	if target == nil {
		return false
	}
	acct, conv := w.acct.jid.String(), convName(w)
	c := history.Cursor{}
	page := max(u.pageSize(), 100)
	for read := 0; read < anchorWalk; {
		recs, cur, err := u.opts.History.Before(acct, conv, c, page)
		if err != nil {
			u.info(w, true, "history: "+err.Error())
			return false
		}
		read += len(recs)
		for i := len(recs) - 1; i >= 0; i-- {
			if lineHash(recs[i].ID, recs[i].From, recs[i].Time) != target.hk {
				continue
			}
			if i == 0 {
				h.bound(target, cur)
			}
			if !u.prependOlder(w, recs[:i], cur) {
				return false
			}
			h.older, h.oldDone, h.stale = cur, cur.Done(), false
			return true
		}
		if len(recs) > 0 {
			if e := held[lineHash(recs[0].ID, recs[0].From, recs[0].Time)]; e != nil {
				h.bound(e, cur)
			}
		}
		if cur.Done() || len(recs) == 0 {
			return false
		}
		c = cur
	}
	return false
}

// prependOlder puts the records recs (read with Before, cursor cur below
// them) before w's lines, making room by dropping the newest lines.
func (u *UI) prependOlder(w *window, recs []history.Record, cur history.Cursor) bool {
	if len(recs) == 0 {
		return true
	}
	older := make([]*entry, 0, len(recs))
	u.building = make(map[string]*entry) // a reply finds its target in the page too (refs.go)
	for _, r := range recs {
		if e := u.recordEntry(w, r); e != nil {
			older = append(older, e)
			for _, k := range e.ids {
				u.building[k] = e
			}
		}
	}
	u.building = nil
	if len(older) == 0 {
		return true
	}
	u.dropNewest(w, len(older)-(w.buf.max-w.buf.len()))
	if len(older) > w.buf.max-w.buf.len() {
		return false // no room: the page stays on disk
	}
	w.hist.bound(older[0], cur)
	w.buf.prepend(older)
	u.requote(w) // replies to messages of this page (refs.go)
	return true
}

// dropNewest drops at least n of w's newest lines, down to a page
// boundary and only lines below the view; w then shows an older part of
// its conversation (detached) until PgDn reads them again. It reports
// whether it dropped anything.
func (u *UI) dropNewest(w *window, n int) bool {
	if n <= 0 {
		return true
	}
	h := w.hist
	width := max(u.convo.width, 1)
	total := w.buf.len()
	below := 0 // rows of the lines newer than j
	for j := total - 1; j > 0; j-- {
		below += len(w.buf.at(j).wrapped(width))
		if below > w.scroll {
			return false // would reach into the view
		}
		if total-j < n {
			continue
		}
		c, ok := h.bounds[w.buf.at(j)]
		if !ok {
			continue
		}
		w.buf.truncate(j)
		w.scroll -= below
		h.newer, h.detached, h.seen = c, true, nil
		return true
	}
	return false
}

// dropOldest drops at least n of w's oldest lines, up to a page boundary
// and only lines above the view, so that PgUp reads them again. It reports
// whether it dropped anything.
func (u *UI) dropOldest(w *window, n int) bool {
	if n <= 0 {
		return true
	}
	h := w.hist
	width := max(u.convo.width, 1)
	keep := w.scroll + max(u.convo.height, 1) // rows from the bottom in view
	rows := 0
	total := w.buf.len()
	first := total // the oldest line in view or below it
	for i := total - 1; i >= 0 && rows < keep; i-- {
		rows += len(w.buf.at(i).wrapped(width))
		first = i
	}
	for j := n; j < first; j++ {
		c, ok := h.bounds[w.buf.at(j)]
		if !ok {
			continue
		}
		w.buf.dropFront(j)
		h.older, h.oldDone, h.stale, h.told = c, false, false, false
		return true
	}
	return false
}

// setMax changes how many entries r keeps, dropping the oldest beyond it.
func (r *ring) setMax(n int) {
	all := make([]*entry, 0, min(r.n, n))
	for i := max(r.n-n, 0); i < r.n; i++ {
		all = append(all, r.at(i))
	}
	for i := 0; i < r.n-len(all); i++ {
		r.unindex(r.at(i))
	}
	r.buf, r.start, r.n, r.max = all, 0, len(all), n
}

// truncate keeps the n oldest entries.
func (r *ring) truncate(n int) {
	if n >= r.n {
		return
	}
	all := make([]*entry, 0, r.max)
	for i := 0; i < r.n; i++ {
		e := r.at(i)
		if i < n {
			all = append(all, e)
			continue
		}
		r.unindex(e)
		if r.dropped != nil {
			r.dropped(e, false)
		}
	}
	r.buf, r.start, r.n = all, 0, len(all)
}

// dropFront drops the n oldest entries.
func (r *ring) dropFront(n int) {
	n = min(n, r.n)
	all := make([]*entry, 0, r.max)
	for i := 0; i < r.n; i++ {
		e := r.at(i)
		if i >= n {
			all = append(all, e)
			continue
		}
		r.unindex(e)
		if r.dropped != nil {
			r.dropped(e, false)
		}
	}
	r.buf, r.start, r.n = all, 0, len(all)
	r.markDay(0)
}
