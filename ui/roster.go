package ui

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/muc"
	"parley/sanitize"
)

// maxName bounds names and groups from the network, in bytes.
const maxName = 256

// resource is the last presence of one resource of a contact.
type resource struct {
	show   account.Show
	status string // sanitized
	prio   int8
	seq    uint64 // when the resource came online, in arrival order: the oldest wins ties
}

// acctState is what the UI knows of one account.
type acctState struct {
	a         Account
	sends     sendLane // its sends, in the order typed (sendlane.go)
	reqs      sendLane // its requests that change server state, in the order typed, apart from its sends (sendlane.go)
	jid       jid.JID  // bare
	name      string   // jid sanitized once, for drawing
	state     account.State
	stateText string                          // sanitized
	show      account.Show                    // our own presence, as set with /status
	status    string                          // its text, sanitized
	items     map[string]*account.RosterItem  // by bare JID; names and groups sanitized
	pres      map[string]map[string]*resource // bare JID → resource → presence
	// edits are roster items we asked the server to set whose push has not
	// come back yet: the base for the next /roster edit of the same contact,
	// so that "/roster add" then "/roster group" keeps the name.
	edits map[string]account.RosterItem
	// requests are the subscription requests shown and not answered yet,
	// by bare JID: asking again adds no line.
	requests map[string]struct{}
	// nicks are the contacts' published nicknames (XEP-0172), cleaned, by
	// bare JID (nicks.go).
	nicks map[string]string
}

// maxRequests bounds the unanswered subscription requests remembered.
const maxRequests = 1024

func newAcctState(a Account) *acctState {
	j := a.JID().Bare()
	return &acctState{
		a:     a,
		jid:   j,
		name:  sanitize.Text(j.String()),
		state: a.State(),
		items: make(map[string]*account.RosterItem),
		pres:  make(map[string]map[string]*resource),
		edits: make(map[string]account.RosterItem),

		requests: make(map[string]struct{}),
		nicks:    make(map[string]string),
	}
}

// best returns the presence that stands for contact bare (its overall
// presence): of its available resources the one of highest priority, then
// the most available (chat, online, away, xa, dnd), then the one online
// longest; nil when none is available. Ties going to the oldest resource
// keep a contact's presence steady while a second resource comes and goes.
func (s *acctState) best(bare string) *resource {
	var b *resource
	for _, r := range s.pres[bare] {
		switch {
		case b == nil || r.prio > b.prio:
			b = r
		case r.prio < b.prio:
		case availability(r.show) != availability(b.show):
			if availability(r.show) < availability(b.show) {
				b = r
			}
		case r.seq < b.seq:
			b = r
		}
	}
	return b
}

// availability ranks a show, most available first.
func availability(s account.Show) int {
	switch s {
	case account.ShowChat:
		return 0
	case account.ShowOnline:
		return 1
	case account.ShowAway:
		return 2
	case account.ShowXA:
		return 3
	}
	return 4
}

// presenceKnown reports whether the presence the UI holds for the
// account's contacts is live. While the account is not online it is not:
// it is kept (a resumed stream goes on with it) but shown as unknown.
func (s *acctState) presenceKnown() bool { return s.state == account.Online }

// presence returns what to show of contact bare: its best resource while
// the account is online, nil when none is available or the account is not
// online.
func (s *acctState) presence(bare string) *resource {
	if !s.presenceKnown() {
		return nil
	}
	return s.best(bare)
}

// displayName is the roster name of j, else its published nickname when
// that is fit to be a name (nicks.go), else its JID.
func (s *acctState) displayName(j jid.JID) string {
	if it, ok := s.items[j.Bare().String()]; ok && it.Name != "" && j.Resourcepart() == "" {
		return it.Name
	}
	if n := s.nickName(j); n != "" && j.Resourcepart() == "" {
		return n
	}
	return sanitize.Text(j.String())
}

// cleanName sanitizes and bounds a name from the network.
func cleanName(s string) string {
	if len(s) > maxName {
		s = s[:maxName]
	}
	return sanitize.Text(s)
}

// rosterRow is one row of the roster pane (184 bytes: a roster of 2,000
// contacts has as many).
type rosterRow struct {
	header bool // an account or group header, not selectable
	top    bool // an account header
	room   bool // a room (ui/room.go): Enter joins or shows it
	online bool // contacts only: a sort key within the group
	moving bool // scratch flag of sync

	hdr  int32 // contacts only: the group header's row
	next int32 // the next row of the same contact or room (in another group), -1 if none (reindex)
	cutW int32

	acct   *acctState
	jid    jid.JID
	key    string // jid as a string: the row's identity and last sort key
	text   string
	symbol string
	color  tcell.Color
	unread int
	group  string // a group header's group (roomsGroup for the rooms): Enter folds it (rosterview.go)
	lname  string // contacts only: text in lower case, a sort key within the group
	cut    string // text truncated to cutW cells, kept between draws
}

// fit returns the row's text truncated to w cells.
func (row *rosterRow) fit(w int) string {
	if row.cut == "" || int(row.cutW) != w {
		row.cut, row.cutW = sanitize.Truncate(row.text, w), int32(w)
	}
	return row.cut
}

// rowKey identifies the rows of one contact or room.
type rowKey struct {
	a *acctState
	j string
}

// maxTouched is how many touched contacts sync updates one by one; more
// (a burst of presence at login) cost one rebuild.
const maxTouched = 64

// rosterView is the roster pane. A roster, state, window or room change
// marks it dirty: the rows are rebuilt and sorted once, at the next draw. An
// unread count or presence change of one contact only touches it: sync
// updates that contact's rows and, when it came online or went offline,
// moves them within their groups, without sorting the roster again.
type rosterView struct {
	*tview.Box
	u           *UI
	rows        []rosterRow
	index       map[rowKey]int32 // the first row of each contact and room (the others follow rosterRow.next)
	touched     map[rowKey]struct{}
	dirty       bool
	sel         int    // selected row
	rosterPrefs        // offline contacts hidden, order, folded groups (rosterview.go)
	offset      int    // first row shown
	rebuilds    int    // full rebuilds done (tests)
	gen         uint64 // counts changes of rows (sync): with sel, offset and focus, what Draw draws
	cache       paneCache[rosterKey]
}

// rosterKey is what the roster pane drew last (panes.go).
type rosterKey struct {
	gen         uint64
	sel, offset int
	focused     bool
	x, y, w, h  int
}

func newRosterView(u *UI) *rosterView {
	return &rosterView{Box: tview.NewBox(), u: u, dirty: true, sel: -1, cache: paneCache[rosterKey]{id: paneRoster},
		index: make(map[rowKey]int32), touched: make(map[rowKey]struct{})}
}

// touch notes that the unread count or the presence of contact (or room) j
// of account a changed. Nothing happens for an account-less window.
func (r *rosterView) touch(a *acctState, j jid.JID) {
	if a == nil || r.dirty {
		return
	}
	r.touched[rowKey{a, j.String()}] = struct{}{}
	if len(r.touched) > maxTouched {
		r.dirty = true
	}
}

// sync brings the rows up to date: a rebuild when dirty, else an update of
// the touched rows.
func (r *rosterView) sync() {
	if r.dirty || len(r.touched) > 0 {
		r.gen++
	}
	if r.dirty {
		r.rebuild()
		return
	}
	if len(r.touched) == 0 {
		return
	}
	groups := map[int]bool{} // header rows of groups with a contact to move
	for k := range r.touched {
		i, ok := r.index[k]
		if !ok && r.hideOffline {
			r.dirty = true // perhaps a hidden contact that came online
		}
		for ok {
			row := &r.rows[i]
			was := row.online
			r.refreshRow(row)
			if !row.room && row.online != was {
				row.moving = !r.byName
				groups[int(row.hdr)] = !r.byName
				r.dirty = r.dirty || r.hideOffline
			}
			i = row.next
			ok = i >= 0
		}
	}
	clear(r.touched)
	if r.dirty {
		r.rebuild()
		return
	}
	for hdr, move := range groups {
		if !move {
			delete(groups, hdr)
		}
	}
	if len(groups) == 0 {
		return
	}
	selKey := r.selKey()
	for hdr := range groups {
		// Take the moving contacts out of the (otherwise sorted) group
		// and insert each at its place.
		lo, hi := hdr+1, hdr+1
		for hi < len(r.rows) && !r.rows[hi].header {
			hi++
		}
		seg := r.rows[lo:hi]
		var movers []rosterRow
		n := 0
		for _, row := range seg {
			if row.moving {
				row.moving = false
				movers = append(movers, row)
				continue
			}
			seg[n] = row
			n++
		}
		for _, m := range movers {
			p, _ := slices.BinarySearchFunc(seg[:n], m, r.compare)
			copy(seg[p+1:n+1], seg[p:n])
			seg[p] = m
			n++
		}
	}
	r.reindex(selKey)
}

// selKey returns the identity of the selected row.
func (r *rosterView) selKey() rowKey {
	if r.sel >= 0 && r.sel < len(r.rows) && !r.rows[r.sel].top {
		return rowKey{r.rows[r.sel].acct, r.rows[r.sel].key}
	}
	return rowKey{}
}

// reindex recomputes the index of the rows, and the selected row from the
// identity of the row selected before.
func (r *rosterView) reindex(sel rowKey) {
	clear(r.index)
	r.sel = -1
	for i := len(r.rows) - 1; i >= 0; i-- { // from the end: each row links the next of its key
		row := &r.rows[i]
		row.next = -1
		if row.top {
			continue
		}
		k := rowKey{row.acct, row.key}
		if n, ok := r.index[k]; ok {
			row.next = n
		}
		r.index[k] = int32(i)
		if k == sel {
			r.sel = i // the first row of the selected key, as the loop ends
		}
	}
}

// refreshRow recomputes the presence symbol and unread count of a contact
// or room row.
func (r *rosterView) refreshRow(row *rosterRow) {
	u, th, a := r.u, r.u.theme, row.acct
	row.symbol, row.color = th.presenceSymbol(account.ShowOffline, false)
	row.unread = 0
	if row.room {
		if w := u.roomWin(a, row.jid); w != nil {
			row.unread = w.unread
			if w.room.state == muc.Joined {
				row.symbol, row.color = th.presenceSymbol("", true)
			}
		}
		return
	}
	b := a.presence(row.key)
	row.online = b != nil
	if b != nil {
		row.symbol, row.color = th.presenceSymbol(b.show, true)
	}
	if u.isBlocked(a, row.jid) { // ui/cmd_block.go
		row.symbol, row.color = "✕", th.Offline
	}
	if w := u.findWin(a, row.jid); w != nil {
		row.unread = w.unread
	}
}

// compare orders the contacts of a group: online ones first (unless
// ordered by name), then by name without case, then by JID.
func (r *rosterView) compare(x, y rosterRow) int {
	if x.online != y.online && !r.byName {
		if x.online {
			return -1
		}
		return 1
	}
	if c := strings.Compare(x.lname, y.lname); c != 0 {
		return c
	}
	return strings.Compare(x.key, y.key)
}

// Draw implements tview.Primitive. It paints every cell of its rectangle
// itself, so it skips the Box's background fill.
func (r *rosterView) Draw(scr tcell.Screen) {
	r.sync()
	x, y, w, h := r.GetInnerRect()
	if w <= 1 || h <= 0 {
		return // hidden by the layout (layout.go)
	}
	if r.sel >= 0 {
		if r.sel < r.offset {
			r.offset = r.sel
		}
		if r.sel >= r.offset+h {
			r.offset = r.sel - h + 1
		}
	}
	r.offset = max(0, min(r.offset, len(r.rows)-h))
	focused := r.HasFocus()
	if r.cache.begin(scr, rosterKey{r.gen, r.sel, r.offset, focused, x, y, w, h}, x, y, w, h) {
		return // drawn as it is (panes.go)
	}
	defer r.cache.end(scr)
	th := r.u.theme
	base := th.base()
	w-- // the last column is the separator
	blank(scr, x, y, w, h, base)
	for i := 0; i < h; i++ {
		scr.Put(x+w, y+i, "│", base.Foreground(th.Offline))
	}
	for i := 0; i < h && r.offset+i < len(r.rows); i++ {
		row := &r.rows[r.offset+i]
		yy := y + i
		if row.header {
			st := base.Foreground(th.Header).Bold(true)
			if focused && r.offset+i == r.sel {
				st = st.Reverse(true)
			}
			indent := 0
			if row.top {
				st = st.Underline(true)
			} else if len(r.u.accts) > 1 {
				indent = 1 // groups are indented under their account
			}
			put(scr, x+indent, yy, w-indent, row.fit(w-indent), st)
			continue
		}
		st := base
		if focused && r.offset+i == r.sel {
			st = st.Reverse(true)
			fill(scr, x, yy, w, st)
		}
		col := put(scr, x+1, yy, 2, row.symbol, st.Foreground(row.color))
		tail := ""
		if row.unread > 0 {
			tail = " " + strconv.Itoa(row.unread)
		}
		room := x + w - col - 1 - len(tail) // digits and a space: one cell each
		col = put(scr, col+1, yy, room, row.fit(room), st)
		if tail != "" {
			put(scr, col, yy, x+w-col, tail, st.Foreground(th.Activity).Bold(true))
		}
	}
}

// InputHandler implements tview.Primitive: arrows or j/k move, Enter opens
// the conversation and gives the focus back to the input line, Esc returns.
func (r *rosterView) InputHandler() func(*tcell.EventKey, func(tview.Primitive)) {
	return r.WrapInputHandler(func(ev *tcell.EventKey, setFocus func(tview.Primitive)) {
		r.sync()
		switch {
		case ev.Key() == tcell.KeyDown || ev.Key() == tcell.KeyRune && ev.Rune() == 'j':
			r.move(1)
		case ev.Key() == tcell.KeyUp || ev.Key() == tcell.KeyRune && ev.Rune() == 'k':
			r.move(-1)
		case ev.Key() == tcell.KeyHome:
			r.first()
		case ev.Key() == tcell.KeyEnd:
			r.sel = len(r.rows)
			r.move(-1)
		case ev.Key() == tcell.KeyEnter:
			if r.sel >= 0 && r.sel < len(r.rows) {
				row := r.rows[r.sel]
				if row.header {
					r.u.toggleFold(row.acct, row.group) // rosterview.go
					return                              // the focus stays in the roster
				}
				if row.room {
					r.u.openRoom(row.acct, row.jid)
				} else {
					r.u.showWin(r.u.chatWin(row.acct, row.jid))
				}
			}
			setFocus(r.u.input)
		case ev.Key() == tcell.KeyEscape:
			setFocus(r.u.input)
		}
	})
}

// first selects the first contact or room (not a header).
func (r *rosterView) first() {
	r.sel = -1
	for i, row := range r.rows {
		if !row.header {
			r.sel = i
			return
		}
	}
	r.move(1)
}

// move moves the selection by d selectable rows.
func (r *rosterView) move(d int) {
	i := r.sel
	for {
		i += d
		if i < 0 || i >= len(r.rows) {
			return
		}
		if !r.rows[i].top {
			r.sel = i // contacts, rooms and group headers (Enter folds)
			return
		}
	}
}
