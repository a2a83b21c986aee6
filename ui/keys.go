package ui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"

	"parley/keymap"
	"parley/sanitize"
)

// keyBinding is one bound chord: a named action of package keymap, or a
// command line ("/wins"), as the defaults and the config's [keys] table say.
type keyBinding struct {
	chord  keymap.Chord
	action string
	run    func(u *UI)
}

// inputKeys are the editing keys of the input line, for /help keys (the
// input line handles them itself: input.go, edit.go, isearch.go).
var inputKeys = [...]struct{ name, help string }{
	{"Tab", "complete commands, their arguments and JIDs (in a room: nicks, \"nick: \" at the start of the line, recent speakers first); again for the next candidate"},
	{"Enter", "send the input line"},
	{"Alt-Enter/Ctrl-J", "insert a line break (multi-line message); a bracketed paste is one message too"},
	{"Up/Down", "input history"},
	{"Ctrl-A/Ctrl-E", "start / end of the input line (also Home/End)"},
	{"Ctrl-W/Ctrl-U/Ctrl-K", "delete the word before the cursor / to the start / to the end, into the kill buffer"},
	{"Alt-b/Alt-f", "back / forward one word (also Ctrl-Left/Ctrl-Right)"},
	{"Ctrl-Left/Ctrl-Right", "back / forward one word"},
	{"Alt-Backspace/Alt-d", "delete the word before / after the cursor, into the kill buffer"},
	{"Ctrl-Y", "yank: insert what the last kills (Ctrl-W/U/K, Alt-Backspace/Alt-d in a row) took"},
	{"Ctrl-T", "transpose the two characters at the cursor"},
	{"Ctrl-R", "search the input history backwards as you type; Ctrl-R again: older; Esc/Ctrl-G: cancel; any other key takes the match"},
}

// actionFuncs returns what each named action of keymap.Actions does.
func actionFuncs() map[string]func(u *UI) {
	prev := func(u *UI) { u.show((u.cur + len(u.wins) - 1) % len(u.wins)) }
	next := func(u *UI) { u.show((u.cur + 1) % len(u.wins)) }
	m := map[string]func(u *UI){
		"prev-window":      prev,
		"next-window":      next,
		"last-window":      (*UI).showPrev,
		"important-window": (*UI).showImportant,
		"next-active":      (*UI).nextActive,
		"prev-highlight":   func(u *UI) { u.jumpHighlight(-1) },
		"next-highlight":   func(u *UI) { u.jumpHighlight(1) },
		"page-up":          (*UI).pageUp,
		"page-down":        (*UI).pageDown,
		"roster-focus":     (*UI).toggleRoster,
		"roster-offline":   func(u *UI) { u.setRosterOffline(!u.roster.hideOffline) },
		"roster-order":     func(u *UI) { u.setRosterOrder(!u.roster.byName) },
		"toggle-occupants": (*UI).toggleOccupants,
		"occupants-up":     func(u *UI) { u.scrollOccupants(-max(u.convo.height-1, 1)) },
		"occupants-down":   func(u *UI) { u.scrollOccupants(max(u.convo.height-1, 1)) },
		"accept-invite":    (*UI).acceptInvite,
		"edit-external":    (*UI).editInput,
		"redraw": func(u *UI) {
			if u.screen != nil {
				u.screen.Sync()
			}
		},
		"quit-hint": func(u *UI) { u.info(u.curWin(), false, "type /quit to leave parley") },
	}
	for n := 1; n <= 20; n++ {
		m["window-"+strconv.Itoa(n)] = func(u *UI) { u.show(n - 1) }
	}
	return m
}

// keyTable returns the bindings of the default keys with overrides (the
// config's [keys], already checked by the config loader) applied; problems
// are returned for the console.
func keyTable(overrides []keymap.Binding) ([]keyBinding, []string) {
	bs, ps := keymap.Resolve(overrides)
	var msgs []string
	for _, p := range ps {
		msgs = append(msgs, "keys: "+p.Msg)
	}
	funcs := actionFuncs()
	keys := make([]keyBinding, 0, len(bs))
	for _, b := range bs {
		kb := keyBinding{chord: b.Chord, action: b.Action, run: funcs[b.Action]}
		if keymap.IsCommand(b.Action) {
			line := b.Action[1:]
			kb.run = func(u *UI) { u.runCommand(u.curWin(), line) }
		}
		if kb.run == nil {
			msgs = append(msgs, "keys: "+b.Chord.String()+": unknown action "+b.Action)
			continue
		}
		keys = append(keys, kb)
	}
	return keys, msgs
}

// keysHelp writes /help keys: every action with the keys bound to it now,
// then the keys bound to command lines, then the input line's keys.
func (u *UI) keysHelp(w *window) {
	u.info(w, false, "keys (rebind them in the [keys] table of the config):")
	bound := func(action string) string {
		var s []string
		for _, k := range u.keys {
			if k.action == action {
				s = append(s, k.chord.String())
			}
		}
		return strings.Join(s, ", ")
	}
	for _, a := range keymap.Actions() {
		keys := bound(a.Name)
		if keys == "" {
			keys = "(no key)"
		}
		u.info(w, false, fmt.Sprintf("  %-20s %s: %s", keys, a.Name, a.Help))
	}
	for _, k := range u.keys {
		if keymap.IsCommand(k.action) {
			u.info(w, false, fmt.Sprintf("  %-20s runs %s", k.chord.String(), sanitize.Text(k.action)))
		}
	}
	u.info(w, false, "the input line:")
	for _, k := range inputKeys {
		u.info(w, false, fmt.Sprintf("  %-20s %s", k.name, k.help))
	}
}

// captureKey is the application's input capture: global keys first, the
// focused widget gets the rest. Keys are made canonical first (canonKey),
// so that a binding and the input line see one event per chord whatever
// bytes the terminal sent.
func (u *UI) captureKey(ev *tcell.EventKey) *tcell.EventKey {
	u.keyPressed() // client state indication (idle.go)
	u.awayKey()    // auto-away (autoaway.go)
	ev = canonKey(ev)
	if len(u.pending) > 0 && u.chordKey(ev) {
		return nil // the next key of a chord (the keys before are dropped if it continues none)
	}
	if u.searchKey(ev) || u.chordKey(ev) {
		return nil
	}
	return ev
}

// chordKey matches ev, after the keys of a chord pressed so far, against
// the bindings: a whole chord runs its action, the start of one waits for
// the next key. It reports whether it took ev; a key that continues no
// chord drops the keys before it and is matched alone.
func (u *UI) chordKey(ev *tcell.EventKey) bool {
	seq := append(u.pending, keymap.FromEvent(ev))
	u.pending = nil
	starts := false
	for _, k := range u.keys {
		if k.chord.Equal(seq) {
			u.comp.reset()
			k.run(u)
			return true
		}
		starts = starts || k.chord.HasPrefix(seq)
	}
	if starts {
		u.pending = seq
		return true
	}
	return false
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
		u.roster.first()
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
