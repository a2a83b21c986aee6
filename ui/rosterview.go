package ui

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"parley/account"
)

// Roster views: offline contacts hidden or shown, contacts ordered by
// presence or by name, groups folded. They are kept across restarts with the
// windows (state.go).

// roomsGroup is the group name of an account's Rooms section: not a name
// a roster group can have (it holds a NUL).
const roomsGroup = "\x00rooms"

// maxFolds bounds the folded groups remembered.
const maxFolds = 1000

// rosterPrefs is how the roster is shown.
type rosterPrefs struct {
	hideOffline bool
	byName      bool // order contacts by name only, not online first
	// offlineSet and orderSet: set in this session or a kept one (Alt-h,
	// Alt-v, /roster), so kept across restarts over the config's default.
	offlineSet, orderSet bool
	folded               map[string]bool // foldKey → folded
}

// foldKey names group g of account a.
func foldKey(a *acctState, g string) string { return a.jid.String() + "\t" + g }

// setRosterOffline hides or shows offline contacts (Alt-h, /roster hide
// offline); an offline contact with unread messages stays.
func (u *UI) setRosterOffline(hide bool) {
	u.roster.hideOffline, u.roster.offlineSet = hide, true
	u.roster.dirty = true
	u.saveState()
}

// setRosterOrder orders contacts by name, or online ones first.
func (u *UI) setRosterOrder(byName bool) {
	u.roster.byName, u.roster.orderSet = byName, true
	u.roster.dirty = true
	u.saveState()
}

// toggleFold folds or unfolds group g of account a.
func (u *UI) toggleFold(a *acctState, g string) {
	u.setFold(a, g, !u.roster.folded[foldKey(a, g)])
}

// setFold folds or unfolds group g of account a.
func (u *UI) setFold(a *acctState, g string, fold bool) {
	r := u.roster
	if r.folded == nil {
		r.folded = make(map[string]bool)
	}
	k := foldKey(a, g)
	if !fold {
		delete(r.folded, k)
	} else if len(r.folded) < maxFolds {
		r.folded[k] = true
	}
	r.dirty = true
	u.saveState()
}

// rosterViewCmd runs the view forms of /roster: show|hide offline, order
// name|presence, fold|unfold GROUP. It reports whether c was one.
func (u *UI) rosterViewCmd(c *call) (bool, error) {
	sub, arg := c.args[0], strings.Join(c.args[1:], " ")
	switch sub {
	case "show", "hide":
		if arg != "offline" {
			return true, errUsage
		}
		u.setRosterOffline(sub == "hide")
		u.info(c.win, false, "roster: offline contacts "+map[bool]string{true: "hidden", false: "shown"}[sub == "hide"])
	case "order":
		if arg != "name" && arg != "presence" {
			return true, errUsage
		}
		u.setRosterOrder(arg == "name")
		u.info(c.win, false, "roster: contacts ordered by "+arg)
	case "fold", "unfold":
		a, err := u.pickAcct(c)
		if err != nil {
			return true, err
		}
		g := arg
		if g == "Rooms" {
			g = roomsGroup
		}
		if g != roomsGroup && !hasGroup(a, g) {
			return true, errors.New("no roster group " + strconv.Quote(cleanName(arg)))
		}
		u.setFold(a, g, sub == "fold")
	default:
		return false, nil
	}
	return true, nil
}

// hasGroup reports whether some contact of a is in group g ("Contacts":
// those in none).
func hasGroup(a *acctState, g string) bool {
	for _, it := range a.items {
		if slices.Contains(it.Groups, g) || g == "Contacts" && len(it.Groups) == 0 {
			return true
		}
	}
	return false
}

// rosterGroups lists the group names of every account, for completion.
func (u *UI) rosterGroups() []string {
	var gs []string
	for _, a := range u.accts {
		for _, it := range a.items {
			gs = append(gs, it.Groups...)
		}
	}
	return append(gs, "Contacts", "Rooms")
}

// rebuild computes the rows: per account (a header when there are several),
// groups in name order ("Contacts" for contacts without a group), online
// contacts before offline ones (unless ordered by name), each by name; then
// the account's rooms. A folded group is its header alone, with its count;
// with offline contacts hidden, a group with none shown has no header.
func (r *rosterView) rebuild() {
	u := r.u
	selKey := r.selKey()
	r.rows = r.rows[:0]
	clear(r.touched)
	for _, a := range u.accts {
		// The account's header: its address and its own presence.
		r.rows = append(r.rows, rosterRow{header: true, top: true, acct: a,
			text: a.name + " [" + ownLabel(a) + "]"})
		groups := map[string][]contactRef{}
		for key, it := range a.items {
			if len(it.Groups) == 0 {
				groups["Contacts"] = append(groups["Contacts"], contactRef{key, it})
			}
			for _, g := range it.Groups {
				groups[g] = append(groups[g], contactRef{key, it})
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
			hdr := len(r.rows)
			if r.folded[foldKey(a, g)] {
				r.rows = append(r.rows, foldedHeader(a, g, g, len(groups[g])))
				continue
			}
			r.rows = append(r.rows, rosterRow{header: true, acct: a, text: g, group: g, key: "\x01" + g})
			for _, c := range groups[g] {
				it := c.it
				row := rosterRow{acct: a, jid: it.JID, key: c.key, text: it.Name, hdr: int32(hdr)}
				if row.text == "" {
					row.text = a.nickName(it.JID) // its published nickname (nicks.go)
				}
				if row.text == "" {
					row.text = row.key
				}
				row.lname = strings.ToLower(row.text)
				r.refreshRow(&row)
				if r.hideOffline && !row.online && row.unread == 0 {
					continue
				}
				r.rows = append(r.rows, row)
			}
			if len(r.rows) == hdr+1 {
				r.rows = r.rows[:hdr] // every contact hidden: no header either
				continue
			}
			slices.SortFunc(r.rows[hdr+1:], r.compare)
		}
		rooms := u.roomRows(a)
		if len(rooms) > 0 {
			rooms[0].group, rooms[0].key = roomsGroup, "\x01"+roomsGroup
			if r.folded[foldKey(a, roomsGroup)] {
				rooms = []rosterRow{foldedHeader(a, roomsGroup, rooms[0].text, len(rooms)-1)}
			}
		}
		r.rows = append(r.rows, rooms...)
	}
	r.reindex(selKey)
	r.dirty = false
	r.rebuilds++
}

// contactRef is a roster item and its key in acctState.items (its bare JID,
// the string the rows share).
type contactRef struct {
	key string
	it  *account.RosterItem
}

// foldedHeader is the header row of a folded group of n entries.
func foldedHeader(a *acctState, g, text string, n int) rosterRow {
	return rosterRow{header: true, acct: a, group: g, key: "\x01" + g,
		text: "▸ " + text + " (" + strconv.Itoa(n) + ")"}
}
