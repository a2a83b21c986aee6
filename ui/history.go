package ui

import (
	"context"
	"time"

	"parley/account"
	"parley/history"
)

// History is what the UI reads of the message store (implemented by
// *history.Store). The UI calls Tail, Before, After and Around on its own
// goroutine (they read only what they return, from the end of a file) and
// Search from a goroutine of its own.
type History interface {
	Tail(account, conv string, n int) ([]history.Record, history.Cursor, error)
	Before(account, conv string, c history.Cursor, n int) ([]history.Record, history.Cursor, error)
	After(account, conv string, c history.Cursor, n int) ([]history.Record, history.Cursor, error)
	Around(account, conv string, p history.Position, n int) (recs []history.Record, hit int, older, newer history.Cursor, err error)
	Search(ctx context.Context, q history.Query, fn func(history.Hit) bool) error
}

// minPage is the fewest records read from history at once (a screenful on
// a terminal whose height is not known yet).
const minPage = 40

// histState is what a window knows of its conversation's history.
type histState struct {
	older   history.Cursor // continues backwards (PgUp)
	oldDone bool           // Before reached the oldest stored record
	newer   history.Cursor // continues forwards after Around (PgDn)
	// detached: the window shows an older part of the conversation (opened
	// from a search hit); newer records are loaded by PgDn, not live.
	detached bool
	// seen holds the keys of the newest records loaded from history: a
	// live message that was stored before the window loaded them but
	// applied after it is not shown twice.
	seen map[string]struct{}
	full bool // told the user the window holds no more lines
	// stale: the lines below older were pushed out; haveOlder finds the
	// boundary below the oldest line held again (page.go).
	stale bool
	// bounds are the boundaries just older than the lines that start a
	// page read from the history (page.go).
	bounds map[*entry]history.Cursor
	told   bool // told the user there is nothing older

	fetching    bool // an older page is being fetched from the server archive (archive.go)
	archiveDone bool // the server archive has nothing older (or cannot be asked)
}

// histFunc is an event the UI posts to itself to run f on the tview
// goroutine (results of work done elsewhere, such as a search).
type histFunc struct {
	account.Base
	f func(u *UI)
}

// pageSize is how many records one history read returns.
func (u *UI) pageSize() int {
	return max(u.convo.height, minPage)
}

// convName is the history conversation of a window.
func convName(w *window) string { return w.peer.String() }

// loadTail fills a new window with the last screenful of its conversation.
// It runs on the tview goroutine before the window takes live messages.
func (u *UI) loadTail(w *window) {
	if u.opts.History == nil || w.acct == nil {
		return
	}
	recs, cur, err := u.opts.History.Tail(w.acct.jid.String(), convName(w), u.pageSize())
	if err != nil {
		u.info(w, true, "history: "+err.Error())
		return
	}
	w.hist = &histState{older: cur, oldDone: cur.Done()}
	u.bounded(w) // keep histEntries lines (page.go)
	w.hist.remember(recs)
	first := true
	for _, r := range recs {
		if e := u.recordEntry(w, r); e != nil {
			w.buf.push(e)
			if first {
				w.hist.bound(e, cur)
				first = false
			}
		}
	}
	u.settleRead(w) // a marker covers the messages before it (markers.go)
}

// reloadTail empties w and loads the newest records again: the way back to
// the present from an older part of the conversation.
func (u *UI) reloadTail(w *window) {
	w.buf.clear()
	w.scroll = 0
	w.hist = nil
	u.loadTail(w)
}

// remember replaces the keys of records that a live message may duplicate.
func (h *histState) remember(recs []history.Record) {
	h.seen = make(map[string]struct{}, len(recs))
	for _, r := range recs {
		h.seen[msgKey(r.From, r.ID, r.Time, r.Body)] = struct{}{}
	}
}

// msgKey identifies a message in both its forms (live event and stored
// record): sender, id, time and body. An id alone is not identity: a
// client that restarts its id counter sends a new message with an old id.
func msgKey(from, id string, t time.Time, body string) string {
	return from + "\x00" + id + "\x00" + t.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano) + "\x00" + body
}

// skipLive reports whether a live message for w must not be added: it was
// already loaded from history, or w shows an older part of the
// conversation (PgDn gets there). A skipped message of someone else still
// counts as unread (and as a highlight as its entry e would).
func (u *UI) skipLive(w *window, m account.Message, e *entry) bool {
	h := w.hist
	if h == nil {
		return false
	}
	k := msgKey(m.From.String(), m.ID, m.Time, m.Body)
	_, dup := h.seen[k]
	if dup {
		delete(h.seen, k)
	}
	switch {
	case !dup && !h.detached:
		return false
	case !dup && m.Dir == account.Out:
		// Something we just sent: back to the present, where it is.
		u.reloadTail(w)
		return true
	}
	if e.kind != lineOwn && e.kind != lineOwnAct && e.kind != lineInfo {
		u.notify(w, e)
	}
	return true
}

// pageUp scrolls the current window up a page and, when that nears the top
// of what is loaded, prepends the previous page of history. The view does
// not move: scroll counts rows from the bottom.
func (u *UI) pageUp() {
	step := max(u.convo.height-1, 1)
	u.scroll(step)
	w := u.curWin()
	if w.hist == nil || w.kind == winSearch {
		return
	}
	need := w.scroll + 2*max(u.convo.height, 1)
	if u.rowsLoaded(w, need) < need {
		u.loadOlder(w)
	}
}

// pageDown scrolls the current window down a page; at the bottom of a
// window showing an older part of its conversation it loads the next page.
func (u *UI) pageDown() {
	u.scroll(-max(u.convo.height-1, 1))
	w := u.curWin()
	if w.hist != nil && w.hist.detached && w.scroll == 0 {
		u.loadNewer(w)
	}
}

// rowsLoaded counts the rows of w's entries at the current width, up to
// limit.
func (u *UI) rowsLoaded(w *window, limit int) int {
	width := max(u.convo.width, 1)
	rows := 0
	for i := w.buf.len() - 1; i >= 0 && rows < limit; i-- {
		rows += len(w.buf.at(i).wrapped(width))
	}
	return rows
}

// loadOlder prepends the page of history before what w holds.
func (u *UI) loadOlder(w *window) {
	h := w.hist
	if !u.haveOlder(w) { // the lines below went with those pushed out (page.go)
		u.keepsNewest(w)
		return
	}
	if h.oldDone {
		u.historyExhausted(w)
		return
	}
	page := u.pageSize()
	u.dropNewest(w, page-(w.buf.max-w.buf.len())) // below the view (page.go)
	room := w.buf.max - w.buf.len()
	if room <= 0 {
		u.keepsNewest(w)
		return
	}
	recs, cur, err := u.opts.History.Before(w.acct.jid.String(), convName(w), h.older, min(page, room))
	if err != nil {
		u.info(w, true, "history: "+err.Error())
		return
	}
	h.older, h.oldDone = cur, cur.Done()
	if !u.prependOlder(w, recs, cur) {
		h.stale = true
	}
	if len(recs) == 0 && h.oldDone {
		u.historyExhausted(w)
	}
	u.settleRead(w) // a marker covers the messages before it (markers.go)
}

// keepsNewest marks the top of w when it cannot read what is older.
func (u *UI) keepsNewest(w *window) {
	h := w.hist
	if !h.full && w.buf.len() < w.buf.max {
		h.full = true
		w.buf.prepend([]*entry{u.noteEntry("this window keeps the newest lines only: /search or `parley history` reach older ones")})
	}
}

// historyExhausted is called when PgUp reaches the oldest record the local
// history holds for w. It fetches the page before it from the server's
// archive (XEP-0313 paging backwards, archive.go), which is stored with
// AppendOlder and shown; when there is nothing more to fetch it marks the
// top of the window.
func (u *UI) historyExhausted(w *window) {
	if u.fetchOlder(w) {
		return // the server archive may have older pages (archive.go)
	}
	if w.hist.told {
		return
	}
	w.hist.told = true
	if w.buf.len() < w.buf.max {
		w.buf.prepend([]*entry{u.noteEntry("beginning of the history")})
	}
}

// loadNewer appends the page of history after what a detached window
// holds; once it reaches the newest record the window is live again.
func (u *UI) loadNewer(w *window) {
	h := w.hist
	recs, cur, err := u.opts.History.After(w.acct.jid.String(), convName(w), h.newer, u.pageSize())
	if err != nil {
		u.info(w, true, "history: "+err.Error())
		return
	}
	var page []*entry
	for _, r := range recs {
		if e := u.recordEntry(w, r); e != nil {
			page = append(page, e)
		}
	}
	u.dropOldest(w, len(page)-(w.buf.max-w.buf.len())) // above the view (page.go)
	if len(page) > 0 {
		h.bound(page[0], h.newer)
	}
	h.newer = cur
	for _, e := range page {
		w.buf.push(e)
	}
	u.settleRead(w) // markers.go
	if cur.Done() {
		h.detached = false
		h.remember(recs)
	}
}

// openAround fills w with the records around p, the hit marked, and
// scrolls so that it is in view. w then shows an older part of its
// conversation until PgDn reaches the newest record.
func (u *UI) openAround(w *window, p history.Position) error {
	recs, hit, older, newer, err := u.opts.History.Around(w.acct.jid.String(), convName(w), p, u.pageSize())
	if err != nil {
		return err
	}
	w.buf.clear()
	w.scroll = 0
	w.hist = &histState{older: older, oldDone: older.Done(), newer: newer, detached: !newer.Done()}
	u.bounded(w) // page.go
	if !w.hist.detached {
		w.hist.remember(recs)
	}
	var mark *entry
	for i, r := range recs {
		e := u.recordEntry(w, r)
		if e == nil {
			continue
		}
		if i == hit {
			e.selected = true
			mark = e
		}
		if w.buf.len() == 0 {
			w.hist.bound(e, older)
		}
		w.buf.push(e)
	}
	u.settleRead(w) // markers.go
	if mark != nil {
		u.scrollTo(w, mark, true)
	}
	return nil
}

// scrollTo sets w's scroll so that entry e is in view (centred if center).
func (u *UI) scrollTo(w *window, e *entry, center bool) {
	width, height := max(u.convo.width, 1), max(u.convo.height, 1)
	below := 0
	i := w.buf.len() - 1
	for ; i >= 0 && w.buf.at(i) != e; i-- {
		below += len(w.buf.at(i).wrapped(width))
	}
	if i < 0 {
		return
	}
	rows := len(e.wrapped(width))
	switch {
	case center:
		w.scroll = max(below+rows/2-height/2, 0)
	case below < w.scroll:
		w.scroll = below
	case below+rows > w.scroll+height:
		w.scroll = below + rows - height
	}
}

// noteEntry is an info line without a time, for markers inside a window.
func (u *UI) noteEntry(text string) *entry {
	e := composeEntry(time.Time{}, "", lineInfo, "", []string{"-- " + text + " --"})
	return e
}

// recordEntry turns a stored, folded record into a line of w, as the live
// message would have been shown (render.go); nil for records not shown
// (meta records, kinds this version does not show). Every field is
// sanitized: history text came from the network too.
func (u *UI) recordEntry(w *window, r history.Record) *entry {
	if r.IsMeta() || r.Kind != "" {
		return nil
	}
	e := u.messageEntry(w, recordView(r)) // as the live message (render.go)
	e.hk = lineHash(r.ID, r.From, r.Time) // page.go
	recordMarks(e, r)                     // read, or displayed by us (markers.go)
	return e
}
