package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/history"
	"parley/render"
	"parley/sanitize"
)

// Window kinds of this file, numbered apart from the iota list of
// windows.go so that other kinds can be added there freely.
const (
	winSearch  winKind = 64 + iota // results of /search
	winHistory                     // read-only history of a room not joined, opened from a search hit
)

// Search limits.
const (
	maxResults   = 500                    // hits shown per search
	searchBatch  = 100                    // hits posted to the UI at once
	searchFlush  = 100 * time.Millisecond // or this often
	maxHitBody   = 300                    // bytes of a body shown in a result line
	hitTimeShape = "2006-01-02 15:04 "    // and composeEntry's space: two
)

// searchState is the state of a search window.
type searchState struct {
	text     string
	title    string // the title bar text, composed once
	all      bool
	query    history.Query // Account and Conv: the scope, for a new search from this window
	hits     []history.Hit
	pickList // result lines, parallel to hits; sel -1 before the first hit
	cancel   context.CancelFunc
}

// cmdSearch is /search [-a] TEXT.
func cmdSearch(u *UI, c *call) error {
	if u.opts.History == nil {
		return errors.New("history is off: /search has nothing to search")
	}
	text, all := c.args[0], false
	if rest, ok := strings.CutPrefix(text, "-a "); ok {
		text, all = strings.TrimSpace(rest), true
	}
	if text == "" || text == "-a" {
		return errUsage
	}
	q := history.Query{Text: text}
	scope := "all conversations"
	switch w := c.win; {
	case all:
	case w.kind == winSearch && w.srch != nil:
		// From the results: search the same scope again.
		q.Account, q.Conv, all = w.srch.query.Account, w.srch.query.Conv, w.srch.all
		if !all {
			scope = cleanName(q.Conv)
		}
	case w.acct == nil:
		return errors.New("not in a conversation: /search -a TEXT searches all of them")
	default:
		q.Account, q.Conv = w.acct.jid.String(), convName(w)
		scope = w.name
	}
	st := &searchState{text: text, title: searchTitleText(text, all), all: all, query: q, pickList: pickList{sel: -1}}
	w := u.searchWin(st, "search: "+sanitize.Truncate(sanitize.Text(text), 20))
	u.info(w, false, "search for \""+sanitize.Text(text)+"\" in "+scope+" (up to "+strconv.Itoa(maxResults)+" results): ↑/↓ PgUp/PgDn select, Enter opens, Esc closes")
	ctx, cancel := context.WithCancel(u.ctx)
	st.cancel = cancel
	store := u.opts.History
	go func() {
		var batch []history.Hit
		n, capped, last := 0, false, time.Now()
		err := store.Search(ctx, q, func(h history.Hit) bool {
			if n == maxResults {
				capped = true
				return false
			}
			n++
			batch = append(batch, h)
			if len(batch) >= searchBatch || time.Since(last) >= searchFlush {
				hits := batch
				batch, last = nil, time.Now()
				u.Post(histFunc{f: func(u *UI) { u.searchResults(w, st, hits) }})
			}
			return true
		})
		hits := batch
		u.Post(histFunc{f: func(u *UI) {
			u.searchResults(w, st, hits)
			u.searchDone(w, st, n, capped, err)
		}})
	}()
	return nil
}

// searchWin returns the search window, reused for a new search (its old
// search is cancelled), made current.
func (u *UI) searchWin(st *searchState, name string) *window {
	var w *window
	for _, x := range u.wins {
		if x.kind == winSearch {
			w = x
			break
		}
	}
	if w == nil {
		w = newWindow(winSearch, nil, jid.JID{}, name)
		u.wins = append(u.wins, w)
	} else if w.srch != nil && w.srch.cancel != nil {
		w.srch.cancel()
	}
	w.name, w.srch = name, st
	w.buf.clear()
	w.scroll = 0
	u.showWin(w)
	u.roster.dirty = true
	return w
}

// current reports whether st is still the search shown in an open w.
func (u *UI) current(w *window, st *searchState) bool {
	return w.srch == st && u.isOpen(w)
}

// searchResults appends a batch of hits to the search window.
func (u *UI) searchResults(w *window, st *searchState, hits []history.Hit) {
	if !u.current(w, st) {
		st.cancel()
		return
	}
	for _, h := range hits {
		e := u.hitEntry(h, st.text)
		st.entries = append(st.entries, e)
		st.hits = append(st.hits, h)
		w.buf.push(e)
	}
	if st.sel < 0 && len(st.hits) > 0 {
		u.pick(w, &st.pickList, 0)
	}
}

// searchDone adds the closing line of a search.
func (u *UI) searchDone(w *window, st *searchState, n int, capped bool, err error) {
	st.cancel()
	if !u.current(w, st) {
		return
	}
	switch {
	case err != nil && !errors.Is(err, context.Canceled):
		u.info(w, true, "search failed: "+err.Error())
	case n == 0:
		u.info(w, false, "no results")
	case capped:
		u.info(w, false, "first "+strconv.Itoa(n)+" results shown: refine the search to see others")
	case n == 1:
		u.info(w, false, "1 result")
	default:
		u.info(w, false, strconv.Itoa(n)+" results")
	}
	if st.sel >= 0 {
		u.scrollTo(w, st.entries[st.sel], false)
	}
}

// hitEntry is the line of a hit: "time  conv  sender: text", the match
// highlighted. Every field is sanitized.
func (u *UI) hitEntry(h history.Hit, text string) *entry {
	r := h.Record
	sender := "me"
	if r.Dir != history.Out {
		sender = r.Nick
		if sender == "" {
			sender = r.From
			if r.Type != "groupchat" {
				sender, _, _ = strings.Cut(sender, "/")
			}
		}
	}
	conv := cleanName(h.Conv.Conv)
	if len(u.accts) > 1 {
		conv = cleanName(h.Conv.Account) + " " + conv
	}
	body := sanitize.Text(hitWindow(r.Body, text))
	at := indexFold(body, text)
	if at > maxHitBody/2 {
		cut := at - maxHitBody/4
		for cut < at && !utf8Start(body[cut]) {
			cut++
		}
		body, at = "…"+body[cut:], at-cut+len("…")
	}
	if len(body) > maxHitBody && at+len(text) <= maxHitBody {
		end := maxHitBody
		for end > 0 && !utf8Start(body[end]) {
			end--
		}
		body = body[:end] + "…"
	}
	// The hit as the one renderer marks it (an empty search lists
	// tombstones too; a retracted text is never found).
	m := render.FromRecord(r)
	switch {
	case m.Removed():
		body, at = render.Tombstone(m), -1
	case m.Edited:
		body += " " + render.EditedMark
	}
	e := composeEntry(r.Time.In(u.loc), hitTimeShape, lineMsg, conv+"  "+cleanName(sender), []string{body})
	e.nickColor = u.theme.Header
	if at >= 0 {
		e.hlStart, e.hlEnd = e.bodyStart+at, e.bodyStart+at+len(text)
	}
	return e
}

// utf8Start reports whether b starts a UTF-8 sequence.
func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// hitWindow bounds the work on a long stored body (history files are
// untrusted too): of a body longer than maxBody bytes it keeps maxBody bytes
// around the first match of text, cut on rune boundaries.
func hitWindow(body, text string) string {
	if len(body) <= maxBody {
		return body
	}
	from := 0
	if at := indexFold(body, text); at > maxBody/2 {
		from = at - maxBody/2
		for from < at && !utf8Start(body[from]) {
			from++
		}
	}
	end := min(len(body), from+maxBody)
	for end > from && end < len(body) && !utf8Start(body[end]) {
		end--
	}
	return body[from:end]
}

// indexFold is the byte index of the first case-insensitive match of sub in
// s, or -1. It compares same-length byte windows, which covers ASCII and
// the letters whose cases have the same length.
func indexFold(s, sub string) int {
	if sub == "" {
		return -1
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if utf8Start(s[i]) && strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// searchKey handles the keys of a search window (pickKey): Enter opens
// the selected hit. It reports whether it used the key.
func (u *UI) searchKey(ev *tcell.EventKey) bool {
	w := u.curWin()
	if w.kind != winSearch || w.srch == nil || !u.input.HasFocus() {
		return false
	}
	st := w.srch
	return u.pickKey(w, &st.pickList, ev, func(i int) error { return u.openHit(st.hits[i]) }, st.cancel)
}

// openHit shows the conversation of a hit, scrolled to it, the hit marked.
func (u *UI) openHit(h history.Hit) error {
	var a *acctState
	for _, x := range u.accts {
		if x.jid.String() == h.Conv.Account {
			a = x
		}
	}
	if a == nil {
		return errors.New("account " + cleanName(h.Conv.Account) + " is not configured: `parley history` prints its conversations")
	}
	peer, err := jid.Parse(h.Conv.Conv)
	if err != nil {
		return errors.New("cannot open " + cleanName(h.Conv.Conv) + ": " + err.Error())
	}
	w := u.findWin(a, peer)
	switch {
	case w != nil:
	case h.Record.Type == "groupchat":
		// A room that has no window: a read-only view of its history.
		w = newWindow(winHistory, a, peer, "log: "+a.displayName(peer))
		u.wins = append(u.wins, w)
		u.roster.dirty = true
	default:
		w = u.chatWin(a, peer)
	}
	u.showWin(w)
	if err := u.openAround(w, h.Pos); err != nil {
		return errors.New("history: " + err.Error())
	}
	return nil
}

// searchTitle is the title bar text of search and history windows, "" for
// other windows.
func searchTitle(w *window) string {
	switch w.kind {
	case winSearch:
		if w.srch == nil {
			return "search"
		}
		return w.srch.title
	case winRooms:
		return roomListTitle(w) // ui/roomlist.go
	case winHistory:
		return "history of " + w.peerText + " (read-only: join the room to talk)"
	}
	return ""
}

// searchTitleText is the title of a search window for text.
func searchTitleText(text string, all bool) string {
	scope := "this conversation"
	if all {
		scope = "all conversations"
	}
	return "search \"" + sanitize.Truncate(sanitize.Text(text), 30) + "\" in " + scope + ": ↑/↓ select, Enter opens, Esc closes"
}
