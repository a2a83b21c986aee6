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
	edit   func(in *inputLine) // an editing action of the input line: taken there (input.go), not here
}

// inputFuncs returns what each editing action of the input line does
// (keymap: the actions with Input set).
func inputFuncs() map[string]func(in *inputLine) {
	return map[string]func(in *inputLine){
		"accept-line":       (*inputLine).submit,
		"complete":          func(in *inputLine) { in.u.complete() },
		"newline":           func(in *inputLine) { in.insert("\n") },
		"previous-history":  func(in *inputLine) { in.browse(-1) },
		"next-history":      func(in *inputLine) { in.browse(1) },
		"beginning-of-line": func(in *inputLine) { in.cur = 0 },
		"end-of-line":       func(in *inputLine) { in.cur = len(in.text) },
		"backward-char":     func(in *inputLine) { in.cur = in.prevBoundary(in.cur) },
		"forward-char":      func(in *inputLine) { in.cur = in.nextBoundary(in.cur) },
		"backward-word":     func(in *inputLine) { in.cur = in.wordLeft() },
		"forward-word":      func(in *inputLine) { in.cur = in.wordRight() },
		"backward-delete-char": func(in *inputLine) {
			if in.cur > 0 {
				p := in.prevBoundary(in.cur)
				in.text = in.text[:p] + in.text[in.cur:]
				in.cur = p
			}
		},
		"delete-char": func(in *inputLine) {
			if in.cur < len(in.text) {
				n := in.nextBoundary(in.cur)
				in.text = in.text[:in.cur] + in.text[n:]
			}
		},
		"unix-word-rubout":       func(in *inputLine) { in.kill(in.wordStart(), in.cur) },
		"unix-line-discard":      func(in *inputLine) { in.kill(0, in.cur) },
		"kill-line":              func(in *inputLine) { in.kill(in.cur, len(in.text)) },
		"backward-kill-word":     func(in *inputLine) { in.kill(in.wordLeft(), in.cur) },
		"kill-word":              func(in *inputLine) { in.kill(in.cur, in.wordRight()) },
		"yank":                   (*inputLine).yank,
		"transpose-chars":        (*inputLine).transpose,
		"reverse-search-history": (*inputLine).startSearch,
	}
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
		"block-sender":     func(u *UI) { u.blockSender(false) }, // ui/cmd_block.go
		"block-report":     func(u *UI) { u.blockSender(true) },
		"select-message":   (*UI).startSelect,
		"edit-external":    (*UI).editInput,
		"finder":           (*UI).openFinder,
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
	funcs, edits := actionFuncs(), inputFuncs()
	keys := make([]keyBinding, 0, len(bs))
	for _, b := range bs {
		kb := keyBinding{chord: b.Chord, action: b.Action, run: funcs[b.Action], edit: edits[b.Action]}
		if kb.edit != nil {
			if len(b.Chord) > 1 {
				msgs = append(msgs, "keys: "+b.Chord.String()+": "+b.Action+" takes one key")
				continue
			}
			keys = append(keys, kb)
			continue
		}
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
	input := false
	for _, a := range keymap.Actions() {
		if a.Input && !input {
			input = true
			for _, k := range u.keys {
				if keymap.IsCommand(k.action) {
					u.info(w, false, fmt.Sprintf("  %-20s runs %s", k.chord.String(), sanitize.Text(k.action)))
				}
			}
			u.info(w, false, formKeysHelp) // ui/form.go
			u.info(w, false, "the input line:")
		}
		keys := bound(a.Name)
		if keys == "" {
			keys = "(no key)"
		}
		u.info(w, false, fmt.Sprintf("  %-20s %s: %s", keys, a.Name, a.Help))
	}
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
	if u.certKey(ev) { // an open certificate prompt takes every key (tlsprompt.go)
		return nil
	}
	if u.find != nil { // the quick finder takes every key (finder.go)
		u.finderKey(ev)
		return nil
	}
	if u.input.ask != nil { // a question on the input line takes every key (ask.go)
		u.askKey(ev)
		return nil
	}
	if len(u.pending) > 0 && u.chordKey(ev) {
		return nil // the next key of a chord (the keys before are dropped if it continues none)
	}
	if u.formKey(ev) { // a form window (form.go)
		return nil
	}
	if u.selectKey(ev) { // the selection mode (select.go)
		return nil
	}
	if ev.Key() == tcell.KeyEscape && u.cancelTransfer(false) { // a running upload or download (files.go)
		return nil
	}
	if u.searchKey(ev) || u.roomListKey(ev) || u.chordKey(ev) {
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
		if k.edit != nil {
			continue // the input line's (inputKey)
		}
		if k.chord.Equal(seq) {
			if u.editFirst(seq) {
				return false // the input line's action on the same key acts (Ctrl-K)
			}
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

// editFirst reports whether the single key of seq, bound both to an
// action and to an editing action of the input line (by default Ctrl-K:
// finder and kill-line), goes to the editing action: when the input line
// has the focus and the editing action has something to do there (for
// kill-line: text after the cursor). Keys are shared by the defaults only
// (keymap.Actions): a key of [keys] is bound to one action.
func (u *UI) editFirst(seq keymap.Chord) bool {
	if len(seq) != 1 || !u.input.HasFocus() || u.input.srch != nil {
		return false
	}
	for _, b := range u.keys {
		if b.edit == nil || !b.chord.Equal(seq) {
			continue
		}
		if b.action == "kill-line" {
			return u.input.cur < len(u.input.text)
		}
		return true
	}
	return false
}

// inputKey returns the editing action bound to ev, or nil.
func (u *UI) inputKey(ev *tcell.EventKey) func(in *inputLine) {
	k := keymap.FromEvent(ev)
	for _, b := range u.keys {
		if b.edit != nil && b.chord[0] == k {
			return b.edit
		}
	}
	return nil
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
