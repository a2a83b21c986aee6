package muc

import (
	"cmp"
	"slices"
	"strings"
)

// List is the occupants of a room in display order: by role group
// (moderators, participants, visitors, others) and within a group by nick,
// case-insensitively. It is kept by applying the Changes a Room reports, one
// at a time: a Room keeps its own List that way, and a receiver of the
// changes (the UI) keeps a copy that is always the same, at a cost per
// change of what changed, never of the whole list.
//
// The zero value is an empty list ready to use. A List is not safe for
// concurrent use.
type List struct {
	byNick map[string]*listItem
	order  []*listItem // sorted by listLess
	counts [4]int      // occupants per role group (Role.rank)
	gen    uint64      // counts calls that may have changed the list
}

// Gen returns a number that changes whenever the list may have changed:
// a drawing of the list that was made at the same Gen is still right.
func (l *List) Gen() uint64 { return l.gen }

type listItem struct {
	Occupant
	key  string // lower-cased nick
	rank int    // Role.rank
}

func compareItems(a, b *listItem) int {
	if c := cmp.Compare(a.rank, b.rank); c != 0 {
		return c
	}
	if c := strings.Compare(a.key, b.key); c != 0 {
		return c
	}
	return strings.Compare(a.Nick, b.Nick)
}

// Len returns the number of occupants.
func (l *List) Len() int { return len(l.order) }

// At returns the i-th occupant in display order (0 ≤ i < Len).
func (l *List) At(i int) Occupant { return l.order[i].Occupant }

// Get returns the occupant with exactly that nick.
func (l *List) Get(nick string) (Occupant, bool) {
	it, ok := l.byNick[nick]
	if !ok {
		return Occupant{}, false
	}
	return it.Occupant, true
}

// Fold returns the occupant with that nick: exactly, else the only one whose
// nick matches ignoring case.
func (l *List) Fold(nick string) (Occupant, bool) {
	if o, ok := l.Get(nick); ok {
		return o, true
	}
	var found *listItem
	for _, it := range l.order {
		if strings.EqualFold(it.Nick, nick) {
			if found != nil {
				return Occupant{}, false
			}
			found = it
		}
	}
	if found == nil {
		return Occupant{}, false
	}
	return found.Occupant, true
}

// Counts returns how many occupants each role group holds: moderators,
// participants, visitors, and others (no role); Len is their sum, and At
// lists the groups in that order.
func (l *List) Counts() [4]int { return l.counts }

// Occupants returns a copy of the list in display order.
func (l *List) Occupants() []Occupant {
	out := make([]Occupant, len(l.order))
	for i, it := range l.order {
		out[i] = it.Occupant
	}
	return out
}

// Clear empties the list.
func (l *List) Clear() {
	l.gen++
	clear(l.byNick)
	clear(l.order)
	l.order = l.order[:0]
	l.counts = [4]int{}
}

// Apply applies one change and reports whether the list changed. Changes
// that take us out of the room (our own OccupantLeft, Destroyed, a refused
// join) empty it; changes that are not about occupants leave it alone.
func (l *List) Apply(c Change) bool {
	l.gen++
	switch c := c.(type) {
	case OccupantJoined:
		l.put(c.Occupant)
	case SelfJoined:
		l.put(c.Self)
	case OccupantLeft:
		if c.Self {
			l.Clear()
			return true
		}
		return l.remove(c.Occupant.Nick) != nil
	case NickChanged:
		it := l.remove(c.Old)
		if it == nil {
			return false
		}
		l.remove(c.New) // a stale holder of the new nick
		it.Nick, it.key = c.New, strings.ToLower(c.New)
		l.insert(it)
	case RoleChanged:
		it := l.remove(c.Nick)
		if it == nil {
			return false
		}
		it.Role, it.rank = c.New, c.New.rank()
		l.insert(it)
	case AffiliationChanged:
		it := l.byNick[c.Nick]
		if it == nil {
			return false
		}
		it.Affiliation = c.New
	case PresenceChanged:
		it := l.byNick[c.Nick]
		if it == nil {
			return false
		}
		it.Show, it.Status = c.Show, c.Status
	case RealJIDChanged:
		it := l.byNick[c.Nick]
		if it == nil {
			return false
		}
		it.JID = c.JID
	case Destroyed:
		l.Clear()
	case JoinError:
		if c.NickChange {
			return false
		}
		l.Clear()
	default:
		return false
	}
	return true
}

// put adds o, replacing an occupant with the same nick.
func (l *List) put(o Occupant) {
	l.remove(o.Nick)
	l.insert(&listItem{Occupant: o, key: strings.ToLower(o.Nick), rank: o.Role.rank()})
}

func (l *List) insert(it *listItem) {
	if l.byNick == nil {
		l.byNick = make(map[string]*listItem)
	}
	l.byNick[it.Nick] = it
	i, _ := slices.BinarySearchFunc(l.order, it, compareItems)
	l.order = slices.Insert(l.order, i, it)
	l.counts[it.rank]++
}

// remove takes the occupant with nick out of the list and returns it (nil if
// there is none).
func (l *List) remove(nick string) *listItem {
	it := l.byNick[nick]
	if it == nil {
		return nil
	}
	delete(l.byNick, nick)
	i, found := slices.BinarySearchFunc(l.order, it, compareItems)
	if !found || l.order[i] != it {
		i = slices.Index(l.order, it) // not reached: nicks are unique
	}
	l.order = slices.Delete(l.order, i, i+1)
	l.counts[it.rank]--
	return it
}
