package ui

import (
	"strings"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/sanitize"
)

// Contacts' published nicknames (XEP-0172): the name shown for a contact
// whose roster item has none. A nickname is untrusted: bounded, sanitized,
// and never an address: one that looks like a JID (or a domain) is kept
// out of the display name, where it could pass for another contact, and
// shown only as what it is, labelled, by /info.

// Bounds on the nicknames kept.
const (
	maxNicks     = 4096 // contacts whose nickname is remembered
	maxNickCells = 48   // cells of a nickname shown
)

// cleanNick bounds and sanitizes a published nickname for drawing.
func cleanNick(s string) string {
	return strings.TrimSpace(sanitize.Truncate(strings.TrimSpace(cleanName(s)), maxNickCells))
}

// nickIsName reports whether a cleaned nickname may stand for its contact
// in the roster, titles and message lines: not empty, and nothing that
// reads as an address (an at sign or one of its look-alikes, a slash, or
// a dotted word such as a domain).
func nickIsName(n string) bool {
	if n == "" || strings.ContainsAny(n, "@/\uff20\ufe6b\uff0f\u2044\u2215") {
		return false
	}
	return !strings.Contains(n, ".") || strings.ContainsAny(n, " \u00a0")
}

// applyNick records a contact's (or our own) nickname and renames what
// shows it.
func (u *UI) applyNick(a *acctState, ev account.NickEvent) {
	key := ev.From.Bare().String()
	n := cleanNick(ev.Nick)
	if old, ok := a.nicks[key]; ok && old == n || !ok && n == "" {
		return
	}
	if n == "" {
		delete(a.nicks, key)
	} else {
		if _, ok := a.nicks[key]; !ok && len(a.nicks) >= maxNicks {
			return // a flood of notifications: the first ones are enough
		}
		a.nicks[key] = n
	}
	for _, w := range u.wins {
		if w.acct == a && w.kind == winChat && !w.isPrivate() && w.peer.Bare().String() == key {
			w.name = a.displayName(w.peer)
		}
	}
	u.roster.dirty = true
}

// nickName is the nickname that stands for j when its roster item has no
// name, "" when there is none fit to.
func (s *acctState) nickName(j jid.JID) string {
	if n := s.nicks[j.Bare().String()]; nickIsName(n) {
		return n
	}
	return ""
}
