package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/muc"
	"parley/sanitize"
)

// RoomDirAccount is what /list, /affiliation list and /configure need of an
// account (account.Account): a service's room list, what a room says about
// itself, and a room's affiliation lists. The methods wait on the network:
// the UI calls them off the tview goroutine.
type RoomDirAccount interface {
	// ListRooms returns the rooms of service (zero: the server's group
	// chat service), the service asked, and whether the list was cut.
	ListRooms(ctx context.Context, service jid.JID) (jid.JID, []muc.RoomItem, bool, error)
	RoomInfo(ctx context.Context, room jid.JID) (muc.Info, error)
	AffiliationList(ctx context.Context, room jid.JID, aff string) ([]muc.AdminItem, bool, error)
}

// The window kind of this file, numbered apart from the others.
const winRooms winKind = 80 // a service's room list (/list)

// Room list limits.
const (
	maxInfoProbes  = 100 // rooms asked for their occupant count, the first of the list
	infoProbers    = 4   // asked at once
	infoTimeout    = 10 * time.Second
	maxListJIDCols = 48 // cells of the address column
	maxListName    = 80 // cells of a room name
)

// roomListState is the state of the room list window.
type roomListState struct {
	acct     *acctState
	service  jid.JID
	title    string
	rooms    []muc.RoomItem
	pickList     // entries parallel to rooms; sel -1 before the list came
	jidW     int // cells of the address column
	cancel   context.CancelFunc
}

// cmdList is /list [-a ACCOUNT] [SERVICE].
func cmdList(u *UI, c *call) error {
	a, err := u.pickAcct(c)
	if err != nil {
		return err
	}
	da, ok := a.a.(RoomDirAccount)
	if !ok {
		return errors.New("account " + a.name + " cannot list rooms")
	}
	var service jid.JID
	if len(c.args) > 0 {
		if service, err = jid.Parse(c.args[0]); err != nil || service.Localpart() != "" {
			return fmt.Errorf("%q is not a service address (conference.example.org)", sanitize.Text(c.args[0]))
		}
	}
	st := &roomListState{acct: a, service: service, pickList: pickList{sel: -1}}
	w := u.roomListWin(st)
	if service.String() == "" {
		u.info(w, false, "asking the group chat service of "+cleanName(a.jid.Domainpart())+" for its rooms…")
	} else {
		u.info(w, false, "asking "+cleanName(service.String())+" for its rooms…")
	}
	ctx, cancel := context.WithCancel(u.ctx)
	st.cancel = cancel
	go func() {
		lctx, lcancel := context.WithTimeout(ctx, requestTimeout)
		svc, rooms, cut, err := da.ListRooms(lctx, service)
		lcancel()
		// The addresses to ask, apart from the list the UI goroutine owns.
		probe := make([]jid.JID, min(len(rooms), maxInfoProbes))
		for i := range probe {
			probe[i] = rooms[i].JID
		}
		u.postFunc(func() { u.roomListResult(w, st, svc, rooms, cut, err) })
		if err != nil || len(probe) == 0 {
			return
		}
		u.probeRooms(ctx, w, st, da, probe)
	}()
	return nil
}

// roomListWin returns the room list window, reused for a new list (the old
// one's requests cancelled), made current.
func (u *UI) roomListWin(st *roomListState) *window {
	var w *window
	for _, x := range u.wins {
		if x.kind == winRooms {
			w = x
			break
		}
	}
	if w == nil {
		w = newWindow(winRooms, nil, jid.JID{}, "rooms")
		w.buf.days = false
		u.wins = append(u.wins, w)
	} else if w.rlist != nil && w.rlist.cancel != nil {
		w.rlist.cancel()
	}
	w.rlist = st
	st.title = "rooms: asking…"
	w.buf.clear()
	w.scroll = 0
	u.showWin(w)
	u.roster.dirty = true
	return w
}

// roomListResult fills the window with the list.
func (u *UI) roomListResult(w *window, st *roomListState, svc jid.JID, rooms []muc.RoomItem, cut bool, err error) {
	if w.rlist != st || !u.isOpen(w) {
		return
	}
	st.service = svc
	name := cleanName(svc.String())
	w.name = "rooms: " + sanitize.Truncate(name, 24)
	if err != nil {
		st.title = "rooms of " + name + ": Esc closes"
		u.info(w, true, "cannot list the rooms: "+err.Error())
		return
	}
	for i := range rooms {
		// The count a service may put in the name (ejabberd), until the
		// room's own answer (roomInfoResult) replaces both.
		rooms[i].Name, rooms[i].Occupants = muc.NameCount(rooms[i].Name)
	}
	st.rooms = rooms
	st.jidW = 0
	for _, r := range rooms {
		st.jidW = max(st.jidW, sanitize.Width(cleanName(r.JID.String())))
	}
	st.jidW = min(st.jidW, maxListJIDCols)
	st.title = fmt.Sprintf("rooms of %s (%d): ↑/↓ select, Enter joins, Esc closes", name, len(rooms))
	switch {
	case len(rooms) == 0:
		u.info(w, false, name+" lists no rooms")
		return
	case cut:
		u.info(w, false, "the service lists more rooms: the first "+strconv.Itoa(len(rooms))+" are shown")
	}
	if len(rooms) > maxInfoProbes {
		u.info(w, false, "occupants are counted for the first "+strconv.Itoa(maxInfoProbes)+" rooms")
	}
	for i := range rooms {
		e := &entry{t: u.now(), key: u.now(), kind: lineMsg, nickColor: u.theme.Header}
		st.entries = append(st.entries, e)
		st.fill(i)
		w.buf.push(e)
	}
	u.pick(w, &st.pickList, 0)
}

// fill composes the row of room i: occupants, address, name.
func (st *roomListState) fill(i int) {
	r, e := st.rooms[i], st.entries[i]
	count := "?"
	if r.Occupants >= 0 {
		count = strconv.Itoa(r.Occupants)
	}
	addr := sanitize.Truncate(cleanName(r.JID.String()), st.jidW)
	var b strings.Builder
	fmt.Fprintf(&b, "%6s  ", count)
	e.nickStart = b.Len()
	b.WriteString(addr)
	e.nickEnd = b.Len()
	b.WriteString(strings.Repeat(" ", max(st.jidW-sanitize.Width(addr), 0)+2))
	e.bodyStart = b.Len()
	if name := cleanName(r.Name); name != "" && name != r.JID.Localpart() {
		b.WriteString(sanitize.Truncate(name, maxListName))
	}
	e.text, e.rows, e.wrapW = b.String(), nil, 0
}

// probeRooms asks rooms for their name and occupant count, a few at once,
// and updates their rows as the answers come; when all came the list is
// sorted by occupants, the selection kept.
func (u *UI) probeRooms(ctx context.Context, w *window, st *roomListState, da RoomDirAccount, rooms []jid.JID) {
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(infoProbers, len(rooms)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				pctx, cancel := context.WithTimeout(ctx, infoTimeout)
				info, err := da.RoomInfo(pctx, rooms[i])
				cancel()
				if err != nil {
					continue
				}
				u.postFunc(func() { u.roomInfoResult(w, st, i, rooms[i], info) })
			}
		}()
	}
	for i := range rooms {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	if ctx.Err() == nil {
		u.postFunc(func() { u.sortRoomList(w, st) })
	}
}

// roomInfoResult updates room i of the list with what it says of itself.
func (u *UI) roomInfoResult(w *window, st *roomListState, i int, room jid.JID, info muc.Info) {
	if w.rlist != st || i >= len(st.rooms) || !st.rooms[i].JID.Equal(room) {
		return
	}
	r := &st.rooms[i]
	if info.Occupants >= 0 {
		r.Occupants = info.Occupants
	}
	if info.Name != "" {
		r.Name = info.Name // the item's name may carry a count ("lobby (3)")
	}
	st.fill(i)
}

// sortRoomList orders the list by occupants, the selection kept.
func (u *UI) sortRoomList(w *window, st *roomListState) {
	if w.rlist != st || !u.isOpen(w) || len(st.rooms) == 0 {
		return
	}
	type pair struct {
		r muc.RoomItem
		e *entry
	}
	selRoom := st.rooms[max(st.sel, 0)].JID
	byJID := make(map[string]*entry, len(st.rooms))
	for i, r := range st.rooms {
		byJID[r.JID.String()] = st.entries[i]
	}
	muc.SortRooms(st.rooms)
	head := w.buf.len() - len(st.entries) // the info lines above the rows
	var lines []*entry
	for i := range head {
		lines = append(lines, w.buf.at(i))
	}
	w.buf.clear()
	for _, e := range lines {
		w.buf.push(e)
	}
	sel := 0
	for i, r := range st.rooms {
		st.entries[i] = byJID[r.JID.String()]
		w.buf.push(st.entries[i])
		if st.moved && r.JID.Equal(selRoom) {
			sel = i
		}
	}
	st.sel = -1
	for _, e := range st.entries {
		e.selected = false
	}
	u.pick(w, &st.pickList, sel)
}

// roomListKey handles the keys of the room list window (pickKey): Enter
// joins the selected room. It reports whether it used the key.
func (u *UI) roomListKey(ev *tcell.EventKey) bool {
	w := u.curWin()
	if w.kind != winRooms || w.rlist == nil || !u.input.HasFocus() {
		return false
	}
	st := w.rlist
	return u.pickKey(w, &st.pickList, ev, func(i int) error {
		ra, err := roomAcct(st.acct)
		if err != nil {
			return err
		}
		u.startJoin(st.acct, ra, st.rooms[i].JID, "", "")
		return nil
	}, st.cancel)
}

// roomListTitle is the title bar text of the room list window.
func roomListTitle(w *window) string {
	if w.rlist == nil {
		return "rooms"
	}
	return w.rlist.title
}
