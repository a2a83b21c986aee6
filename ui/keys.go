package ui

import (
	"strconv"

	"github.com/gdamore/tcell/v2"
)

// keyBinding is one global key: matched before the focused widget sees the
// key. Editing keys of the input line are listed too (with a nil action) so
// that /help keys shows every key in one place.
type keyBinding struct {
	name   string // as shown in /help keys
	group  string // for a family of keys (Alt-1..Alt-0): the one name /help keys and README show
	key    tcell.Key
	r      rune          // for tcell.KeyRune
	mod    tcell.ModMask // only ModAlt is compared
	help   string
	action func(u *UI)
}

// matches reports whether ev is this binding.
func (k keyBinding) matches(ev *tcell.EventKey) bool {
	if k.action == nil || ev.Key() != k.key || ev.Modifiers()&tcell.ModAlt != k.mod&tcell.ModAlt {
		return false
	}
	return k.key != tcell.KeyRune || ev.Rune() == k.r
}

// keyTable returns the key bindings.
func keyTable() []keyBinding {
	keys := []keyBinding{}
	for i := 1; i <= 10; i++ {
		r := rune('0' + i%10)
		keys = append(keys, keyBinding{
			name: "Alt-" + string(r), key: tcell.KeyRune, r: r, mod: tcell.ModAlt,
			group:  "Alt-1..Alt-9, Alt-0",
			help:   "window 1..9, 10 (window 1 is the console)",
			action: func(u *UI) { u.show(i - 1) },
		})
	}
	// Alt-q..Alt-o: windows 11-19 (profanity), but for Alt-e, Alt-r and
	// Alt-p, which poezio habits and our roster key take.
	for i, r := range "qwertyuiop" {
		if r == 'e' || r == 'r' || r == 'p' {
			continue
		}
		n := 11 + i
		keys = append(keys, keyBinding{
			name: "Alt-" + string(r), key: tcell.KeyRune, r: r, mod: tcell.ModAlt,
			group:  "Alt-q/w/t/y/u/i/o",
			help:   "window 11, 12, 15..19 (Alt-e, Alt-r and Alt-p do other things: /win 13, 14, 20)",
			action: func(u *UI) { u.show(n - 1) },
		})
	}
	// F1..F10: windows 1..10 (profanity), but for F4, the occupant pane.
	for i := 1; i <= 10; i++ {
		if i == 4 {
			continue
		}
		keys = append(keys, keyBinding{
			name: "F" + strconv.Itoa(i), key: tcell.KeyF1 + tcell.Key(i-1),
			group:  "F1..F10",
			help:   "window 1..10 (but F4: the occupant pane)",
			action: func(u *UI) { u.show(i - 1) },
		})
	}
	keys = append(keys,
		keyBinding{name: "Alt-Left", key: tcell.KeyLeft, mod: tcell.ModAlt, help: "previous window", action: func(u *UI) { u.show((u.cur + len(u.wins) - 1) % len(u.wins)) }},
		keyBinding{name: "Alt-Right", key: tcell.KeyRight, mod: tcell.ModAlt, help: "next window", action: func(u *UI) { u.show((u.cur + 1) % len(u.wins)) }},
		keyBinding{name: "Alt-z", key: tcell.KeyRune, r: 'z', mod: tcell.ModAlt, help: "the window shown before this one", action: (*UI).showPrev},
		keyBinding{name: "Alt-e", key: tcell.KeyRune, r: 'e', mod: tcell.ModAlt, help: "the window with the most important activity: a private message, else a highlight, else any message", action: (*UI).showImportant},
		keyBinding{name: "Alt-p", key: tcell.KeyRune, r: 'p', mod: tcell.ModAlt, help: "scroll to the previous message that mentions you in this window", action: func(u *UI) { u.jumpHighlight(-1) }},
		keyBinding{name: "Alt-n", key: tcell.KeyRune, r: 'n', mod: tcell.ModAlt, help: "scroll to the next message that mentions you in this window (past the last: the bottom)", action: func(u *UI) { u.jumpHighlight(1) }},
		keyBinding{name: "Ctrl-N", key: tcell.KeyCtrlN, help: "next window", action: func(u *UI) { u.show((u.cur + 1) % len(u.wins)) }},
		keyBinding{name: "Ctrl-P", key: tcell.KeyCtrlP, help: "previous window", action: func(u *UI) { u.show((u.cur + len(u.wins) - 1) % len(u.wins)) }},
		keyBinding{name: "Alt-a", key: tcell.KeyRune, r: 'a', mod: tcell.ModAlt, help: "next window with unread messages", action: (*UI).nextActive},
		keyBinding{name: "PgUp", key: tcell.KeyPgUp, help: "scroll the conversation up; at the top, load older history", action: (*UI).pageUp},
		keyBinding{name: "PgDn", key: tcell.KeyPgDn, help: "scroll the conversation down (after a search hit: load newer history)", action: (*UI).pageDown},
		keyBinding{name: "Alt-r", key: tcell.KeyRune, r: 'r', mod: tcell.ModAlt, help: "focus the roster / the input line (in the roster: arrows or j/k, Enter opens, Esc returns)", action: (*UI).toggleRoster},
		keyBinding{name: "F4", key: tcell.KeyF4, help: "show or hide the occupant pane of room windows (also /occupants)", action: (*UI).toggleOccupants},
		keyBinding{name: "Alt-PgUp", key: tcell.KeyPgUp, mod: tcell.ModAlt, help: "scroll the occupant pane up", action: func(u *UI) { u.scrollOccupants(-max(u.convo.height-1, 1)) }},
		keyBinding{name: "Alt-PgDn", key: tcell.KeyPgDn, mod: tcell.ModAlt, help: "scroll the occupant pane down", action: func(u *UI) { u.scrollOccupants(max(u.convo.height-1, 1)) }},
		keyBinding{name: selectKeyName, key: tcell.KeyRune, r: 's', mod: tcell.ModAlt, help: "select a message (the newest; arrows, j/k, PgUp/PgDn, Home/End move): r replies, e corrects yours, + reacts, d retracts yours or, as a room moderator, removes it, y copies its text (OSC 52); Esc leaves", action: (*UI).startSelect},
		keyBinding{name: "Alt-j", key: tcell.KeyRune, r: 'j', mod: tcell.ModAlt, help: "accept the newest room invitation: join the room", action: (*UI).acceptInvite},
		keyBinding{name: "Alt-c", key: tcell.KeyRune, r: 'c', mod: tcell.ModAlt, help: "edit the input line in $VISUAL or $EDITOR (also Ctrl-X Ctrl-E); the text comes back into the input line, not sent", action: (*UI).editInput},
		keyBinding{name: "Ctrl-X Ctrl-E", help: "edit the input line in $VISUAL or $EDITOR (as Alt-c)"},
		keyBinding{name: "Ctrl-L", key: tcell.KeyCtrlL, help: "redraw the screen", action: func(u *UI) {
			if u.screen != nil {
				u.screen.Sync()
			}
		}},
		keyBinding{name: "Ctrl-C", key: tcell.KeyCtrlC, help: "nothing (use /quit)", action: func(u *UI) { u.info(u.curWin(), false, "type /quit to leave parley") }},
		keyBinding{name: "Tab", help: "complete commands, their arguments and JIDs (in a room: nicks, \"nick: \" at the start of the line, recent speakers first); again for the next candidate"},
		keyBinding{name: "Enter", help: "send the input line"},
		keyBinding{name: "Alt-Enter/Ctrl-J", help: "insert a line break (multi-line message); a bracketed paste is one message too"},
		keyBinding{name: "Up/Down", help: "input history"},
		keyBinding{name: "Ctrl-A/Ctrl-E", help: "start / end of the input line (also Home/End)"},
		keyBinding{name: "Ctrl-W/Ctrl-U/Ctrl-K", help: "delete the word before the cursor / to the start / to the end, into the kill buffer"},
		keyBinding{name: "Alt-b/Alt-f", help: "back / forward one word (also Ctrl-Left/Ctrl-Right)"},
		keyBinding{name: "Ctrl-Left/Ctrl-Right", help: "back / forward one word"},
		keyBinding{name: "Alt-Backspace/Alt-d", help: "delete the word before / after the cursor, into the kill buffer"},
		keyBinding{name: "Ctrl-Y", help: "yank: insert what the last kills (Ctrl-W/U/K, Alt-Backspace/Alt-d in a row) took"},
		keyBinding{name: "Ctrl-T", help: "transpose the two characters at the cursor"},
		keyBinding{name: "Ctrl-R", help: "search the input history backwards as you type; Ctrl-R again: older; Esc/Ctrl-G: cancel; any other key takes the match"},
	)
	return keys
}

// captureKey is the application's input capture: global keys first, the
// focused widget gets the rest. Keys are made canonical first (canonKey),
// so that a binding and the input line see one event per chord whatever
// bytes the terminal sent.
func (u *UI) captureKey(ev *tcell.EventKey) *tcell.EventKey {
	u.keyPressed() // client state indication (idle.go)
	u.awayKey()    // auto-away (autoaway.go)
	// Someone is at the terminal (markers.go).
	u.marks.keyed = true
	ev = canonKey(ev)
	if u.editorPrefix(ev) { // Ctrl-X Ctrl-E (editor.go)
		return nil
	}
	if u.selectKey(ev) { // the selection mode (select.go)
		return nil
	}
	if u.searchKey(ev) {
		return nil
	}
	if ev.Key() == tcell.KeyEscape && u.cancelTransfer(false) { // a running upload or download (files.go)
		return nil
	}
	for _, k := range u.keys {
		if k.matches(ev) {
			u.comp.reset()
			k.action(u)
			return nil
		}
	}
	return ev
}

// canonKey maps the chords that terminals send as ESC plus a control byte
// to the key they stand for. tmux (and xterm without modifyOtherKeys) sends
// Alt-Enter as ESC CR and Alt-Ctrl-J as ESC LF; tcell reports them as the
// runes 'm' and 'j' with Alt and Ctrl, which the input line would take for
// text and the Alt-j binding for itself. Both are Alt-Enter here.
func canonKey(ev *tcell.EventKey) *tcell.EventKey {
	if ev.Key() != tcell.KeyRune || ev.Modifiers()&(tcell.ModAlt|tcell.ModCtrl) != tcell.ModAlt|tcell.ModCtrl {
		return ev
	}
	switch ev.Rune() {
	case 'm', 'j': // ESC CR, ESC LF
		return tcell.NewEventKey(tcell.KeyEnter, 0, tcell.ModAlt)
	}
	return ev
}

// toggleRoster moves the focus between the input line and the roster.
func (u *UI) toggleRoster() {
	if u.roster.HasFocus() || !u.rosterShown() {
		u.app.SetFocus(u.input)
		return
	}
	if u.roster.sel < 0 {
		u.roster.sync()
		u.roster.move(1)
	}
	u.app.SetFocus(u.roster)
}

// nextActive shows the next window with unread messages, highlights first.
func (u *UI) nextActive() {
	for _, wantHigh := range []bool{true, false} {
		for d := 1; d < len(u.wins); d++ {
			i := (u.cur + d) % len(u.wins)
			w := u.wins[i]
			if wantHigh && w.highlight > 0 || !wantHigh && w.unread > 0 {
				u.show(i)
				return
			}
		}
	}
}
