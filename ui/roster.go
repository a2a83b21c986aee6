package ui

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/sanitize"
)

// maxName bounds names and groups from the network, in bytes.
const maxName = 256

// resource is the last presence of one resource of a contact.
type resource struct {
	show   account.Show
	status string // sanitized
	prio   int8
	seq    uint64 // arrival order: the newest wins ties
}

// acctState is what the UI knows of one account.
type acctState struct {
	a         Account
	jid       jid.JID // bare
	state     account.State
	stateText string                          // sanitized
	items     map[string]*account.RosterItem  // by bare JID; names and groups sanitized
	pres      map[string]map[string]*resource // bare JID → resource → presence
}

func newAcctState(a Account) *acctState {
	return &acctState{
		a:     a,
		jid:   a.JID().Bare(),
		state: a.State(),
		items: make(map[string]*account.RosterItem),
		pres:  make(map[string]map[string]*resource),
	}
}

// best returns the presence of the highest priority available resource of
// bare (newest on ties), or nil when none is available.
func (s *acctState) best(bare string) *resource {
	var b *resource
	for _, r := range s.pres[bare] {
		if b == nil || r.prio > b.prio || r.prio == b.prio && r.seq > b.seq {
			b = r
		}
	}
	return b
}

// displayName is the roster name of j, or its JID.
func (s *acctState) displayName(j jid.JID) string {
	if it, ok := s.items[j.Bare().String()]; ok && it.Name != "" && j.Resourcepart() == "" {
		return it.Name
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

// rosterRow is one row of the roster pane.
type rosterRow struct {
	header bool // an account or group header, not selectable
	top    bool // an account header
	acct   *acctState
	jid    jid.JID
	text   string
	symbol string
	color  tcell.Color
	unread int
	room   bool // a room (ui/room.go): Enter joins or shows it
}

// rosterView is the roster pane. Its rows are rebuilt only when something
// changed (dirty), not on every draw.
type rosterView struct {
	*tview.Box
	u      *UI
	rows   []rosterRow
	dirty  bool
	sel    int // selected row
	offset int // first row shown
}

func newRosterView(u *UI) *rosterView {
	return &rosterView{Box: tview.NewBox(), u: u, dirty: true, sel: -1}
}

// rebuild computes the rows: per account (a header when there are several),
// groups in name order ("Contacts" for contacts without a group), online
// contacts before offline ones, each by name; then the account's rooms.
func (r *rosterView) rebuild() {
	u := r.u
	var selJID string
	var selAcct *acctState
	if r.sel >= 0 && r.sel < len(r.rows) {
		selJID, selAcct = r.rows[r.sel].jid.String(), r.rows[r.sel].acct
	}
	r.rows = r.rows[:0]
	th := u.theme
	for _, a := range u.accts {
		if len(u.accts) > 1 {
			r.rows = append(r.rows, rosterRow{header: true, top: true, acct: a,
				text: sanitize.Text(a.jid.String()) + " [" + a.state.String() + "]"})
		}
		groups := map[string][]*account.RosterItem{}
		for _, it := range a.items {
			if len(it.Groups) == 0 {
				groups["Contacts"] = append(groups["Contacts"], it)
			}
			for _, g := range it.Groups {
				groups[g] = append(groups[g], it)
			}
		}
		names := make([]string, 0, len(groups))
		for g := range groups {
			names = append(names, g)
		}
		slices.SortFunc(names, func(x, y string) int {
			if (x == "Contacts") != (y == "Contacts") {
				if x == "Contacts" {
					return 1 // contacts without a group come last
				}
				return -1
			}
			return strings.Compare(x, y)
		})
		for _, g := range names {
			r.rows = append(r.rows, rosterRow{header: true, acct: a, text: g})
			type ranked struct {
				it     *account.RosterItem
				online bool
				name   string
			}
			list := make([]ranked, 0, len(groups[g]))
			for _, it := range groups[g] {
				name := it.Name
				if name == "" {
					name = it.JID.String()
				}
				list = append(list, ranked{it, a.best(it.JID.String()) != nil, name})
			}
			slices.SortFunc(list, func(x, y ranked) int {
				if x.online != y.online {
					if x.online {
						return -1
					}
					return 1
				}
				if c := strings.Compare(strings.ToLower(x.name), strings.ToLower(y.name)); c != 0 {
					return c
				}
				return strings.Compare(x.it.JID.String(), y.it.JID.String())
			})
			for _, c := range list {
				row := rosterRow{acct: a, jid: c.it.JID, text: c.name}
				if b := a.best(c.it.JID.String()); b != nil {
					row.symbol, row.color = th.presenceSymbol(b.show, true)
				} else {
					row.symbol, row.color = th.presenceSymbol(account.ShowOffline, false)
				}
				if w := u.findWin(a, c.it.JID); w != nil {
					row.unread = w.unread
				}
				r.rows = append(r.rows, row)
			}
		}
		r.rows = append(r.rows, u.roomRows(a)...)
	}
	r.sel = -1
	for i, row := range r.rows {
		if !row.header && row.acct == selAcct && row.jid.String() == selJID {
			r.sel = i
		}
	}
	r.dirty = false
}

// Draw implements tview.Primitive.
func (r *rosterView) Draw(scr tcell.Screen) {
	r.Box.DrawForSubclass(scr, r)
	if r.dirty {
		r.rebuild()
	}
	x, y, w, h := r.GetInnerRect()
	th := r.u.theme
	base := th.base()
	w-- // the last column is the separator
	for i := 0; i < h; i++ {
		fill(scr, x, y+i, w, base)
		scr.Put(x+w, y+i, "│", base.Foreground(th.Offline))
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
	for i := 0; i < h && r.offset+i < len(r.rows); i++ {
		row := r.rows[r.offset+i]
		yy := y + i
		if row.header {
			st := base.Foreground(th.Header).Bold(true)
			indent := 0
			if row.top {
				st = st.Underline(true)
			} else if len(r.u.accts) > 1 {
				indent = 1 // groups are indented under their account
			}
			put(scr, x+indent, yy, w-indent, sanitize.Truncate(row.text, w-indent), st)
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
		room := x + w - col - 1 - sanitize.Width(tail)
		col = put(scr, col+1, yy, room, sanitize.Truncate(row.text, room), st)
		if tail != "" {
			put(scr, col, yy, x+w-col, tail, st.Foreground(th.Activity).Bold(true))
		}
	}
}

// InputHandler implements tview.Primitive: arrows or j/k move, Enter opens
// the conversation and gives the focus back to the input line, Esc returns.
func (r *rosterView) InputHandler() func(*tcell.EventKey, func(tview.Primitive)) {
	return r.WrapInputHandler(func(ev *tcell.EventKey, setFocus func(tview.Primitive)) {
		if r.dirty {
			r.rebuild()
		}
		switch {
		case ev.Key() == tcell.KeyDown || ev.Key() == tcell.KeyRune && ev.Rune() == 'j':
			r.move(1)
		case ev.Key() == tcell.KeyUp || ev.Key() == tcell.KeyRune && ev.Rune() == 'k':
			r.move(-1)
		case ev.Key() == tcell.KeyHome:
			r.sel = -1
			r.move(1)
		case ev.Key() == tcell.KeyEnd:
			r.sel = len(r.rows)
			r.move(-1)
		case ev.Key() == tcell.KeyEnter:
			if r.sel >= 0 && r.sel < len(r.rows) {
				row := r.rows[r.sel]
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

// move moves the selection by d selectable rows.
func (r *rosterView) move(d int) {
	i := r.sel
	for {
		i += d
		if i < 0 || i >= len(r.rows) {
			return
		}
		if !r.rows[i].header {
			r.sel = i
			return
		}
	}
}
