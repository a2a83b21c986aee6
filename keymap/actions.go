package keymap

import (
	"fmt"
	"strconv"
	"strings"
)

// Action is one named thing a key can do.
type Action struct {
	Name string   // as written in [keys]: "next-window"
	Help string   // for /help keys
	Keys []string // default keys, in the key notation
	// Input: an editing action of the input line, taken by it while it
	// has the focus (after the history search's own keys); the others act
	// wherever the focus is.
	Input bool
}

// Unbind is the action that takes a key away from its default action.
const Unbind = "none"

// MaxCommand bounds a command line bound to a key ("F5" = "/wins").
const MaxCommand = 512

// Actions returns the named actions, in /help keys order, with their
// default keys. One default key is shared: Ctrl-K is kill-line when the
// input line has text after the cursor and finder otherwise; binding
// Ctrl-K in [keys] gives it to one action.
func Actions() []Action {
	acts := []Action{
		{"prev-window", "previous window", []string{"Alt-Left", "Ctrl-P"}, false},
		{"next-window", "next window", []string{"Alt-Right", "Ctrl-N"}, false},
		{"last-window", "the window shown before this one", []string{"Alt-z"}, false},
		{"important-window", "the window with the most important activity: a private message, else a highlight, else any message", []string{"Alt-e"}, false},
		{"next-active", "next window with unread messages, highlights first", []string{"Alt-a"}, false},
		{"prev-highlight", "scroll to the previous message that mentions you in this window", []string{"Alt-p"}, false},
		{"next-highlight", "scroll to the next message that mentions you in this window (past the last: the bottom)", []string{"Alt-n"}, false},
		{"page-up", "scroll the conversation up; at the top, load older history", []string{"PgUp"}, false},
		{"page-down", "scroll the conversation down (after a search hit: load newer history)", []string{"PgDn"}, false},
		{"roster-focus", "focus the roster / the input line (in the roster: arrows or j/k, Enter opens or folds a group, Esc returns)", []string{"Alt-r"}, false},
		{"roster-offline", "show or hide offline contacts in the roster (also /roster offline)", []string{"Alt-h"}, false},
		{"roster-order", "order the roster's contacts by presence or by name (also /roster order)", []string{"Alt-v"}, false},
		{"toggle-occupants", "show or hide the occupant pane of room windows (also /occupants)", []string{"F4"}, false},
		{"occupants-up", "scroll the occupant pane up", []string{"Alt-PgUp"}, false},
		{"occupants-down", "scroll the occupant pane down", []string{"Alt-PgDn"}, false},
		{"select-message", "select a message (the newest; arrows, j/k, PgUp/PgDn, Home/End move): r replies, e corrects yours, + reacts, d retracts yours or moderates, y copies, o opens its link, s saves it, Esc leaves", []string{"Alt-s"}, false},
		{"accept-invite", "accept the newest room invitation: join the room", []string{"Alt-j"}, false},
		{"block-sender", "block (XEP-0191) the stranger of this window (not in the roster), else the sender of the newest unanswered subscription request, refusing it; a contact is blocked only by /block", []string{"Alt-x"}, false},
		{"block-report", "as block-sender, and report the address to your server as spam (XEP-0377)", []string{"Alt-k"}, false},
		{"finder", "the quick finder: jump to a window, a contact or a room of any account by a fuzzy name (type to narrow, Up/Down, Enter jumps, Esc closes); by default on Ctrl-K, when nothing follows the cursor in the input line (else Ctrl-K is kill-line)", []string{"Ctrl-K"}, false},
		{"edit-external", "edit the input line in $VISUAL or $EDITOR; the text comes back into the input line, not sent", []string{"Alt-c", "Ctrl-X Ctrl-E"}, false},
		{"redraw", "redraw the screen", []string{"Ctrl-L"}, false},
		{"quit-hint", "say how to leave (/quit)", []string{"Ctrl-C"}, false},
	}
	// Windows 1..20: Alt-1..Alt-0 and F1..F10 (but F4) as in profanity,
	// Alt-q..Alt-o for 11..19 but for Alt-e, Alt-r and Alt-p, which poezio
	// habits and the roster key take.
	for n := 1; n <= 20; n++ {
		var keys []string
		switch {
		case n <= 10:
			keys = append(keys, "Alt-"+strconv.Itoa(n%10))
			if n != 4 {
				keys = append(keys, "F"+strconv.Itoa(n))
			}
		default:
			if r := "qwertyuiop"[n-11]; r != 'e' && r != 'r' && r != 'p' {
				keys = append(keys, "Alt-"+string(r))
			}
		}
		help := "window " + strconv.Itoa(n)
		if n == 1 {
			help += " (the console)"
		}
		acts = append(acts, Action{Name: "window-" + strconv.Itoa(n), Help: help, Keys: keys})
	}
	return append(acts, inputActions()...)
}

// inputActions are the editing actions of the input line, named as in
// readline where readline has them.
func inputActions() []Action {
	return []Action{
		{"accept-line", "send the input line (a command, or a message to this conversation)", []string{"Enter"}, true},
		{"complete", "complete commands, their arguments and JIDs (in a room: nicks, \"nick: \" at the start of the line, recent speakers first); again for the next candidate", []string{"Tab"}, true},
		{"newline", "insert a line break (a multi-line message); a bracketed paste is one message too", []string{"Alt-Enter", "Ctrl-J"}, true},
		{"previous-history", "the previous line of the input history", []string{"Up"}, true},
		{"next-history", "the next line of the input history", []string{"Down"}, true},
		{"beginning-of-line", "to the start of the input line", []string{"Ctrl-A", "Home"}, true},
		{"end-of-line", "to the end of the input line", []string{"Ctrl-E", "End"}, true},
		{"backward-char", "back one character", []string{"Left", "Ctrl-B"}, true},
		{"forward-char", "forward one character", []string{"Right", "Ctrl-F"}, true},
		{"backward-word", "back one word (a word: letters and digits)", []string{"Alt-b", "Alt-B", "Ctrl-Left"}, true},
		{"forward-word", "forward one word", []string{"Alt-f", "Alt-F", "Ctrl-Right"}, true},
		{"backward-delete-char", "delete the character before the cursor", []string{"Backspace"}, true},
		{"delete-char", "delete the character under the cursor", []string{"Delete", "Ctrl-D"}, true},
		{"unix-word-rubout", "delete the word before the cursor, into the kill buffer", []string{"Ctrl-W"}, true},
		{"unix-line-discard", "delete to the start of the line, into the kill buffer", []string{"Ctrl-U"}, true},
		{"kill-line", "delete to the end of the line, into the kill buffer (by default on Ctrl-K: with nothing after the cursor, Ctrl-K opens the finder)", []string{"Ctrl-K"}, true},
		{"backward-kill-word", "delete the word before the cursor (letters and digits), into the kill buffer", []string{"Alt-Backspace"}, true},
		{"kill-word", "delete the word after the cursor, into the kill buffer", []string{"Alt-d", "Alt-D"}, true},
		{"yank", "insert what the last kills took (kills in a row add up, as in readline)", []string{"Ctrl-Y"}, true},
		{"transpose-chars", "transpose the two characters at the cursor", []string{"Ctrl-T"}, true},
		{"reverse-search-history", "search the input history backwards as you type; Ctrl-R again: older; Backspace: a shorter query; Esc/Ctrl-G: give the line back; any other key takes the match and acts on it", []string{"Ctrl-R"}, true},
	}
}

// Names returns the action names.
func Names() []string {
	acts := Actions()
	names := make([]string, len(acts))
	for i, a := range acts {
		names[i] = a.Name
	}
	return names
}

// Known reports whether name is an action, "none", or a command line
// ("/wins").
func Known(name string) bool {
	if name == Unbind || IsCommand(name) {
		return true
	}
	for _, a := range Actions() {
		if a.Name == name {
			return true
		}
	}
	return false
}

// IsInput reports whether action is an editing action of the input line
// (bound to single keys only).
func IsInput(action string) bool {
	for _, a := range inputActions() {
		if a.Name == action {
			return true
		}
	}
	return false
}

// IsCommand reports whether action is a command line to run: "/wins".
func IsCommand(action string) bool {
	return strings.HasPrefix(action, "/") && len(action) > 1
}

// Binding binds a chord to an action (a name of Actions, a command line
// such as "/wins", or Unbind).
type Binding struct {
	Chord  Chord
	Action string
}

// Defaults returns the default bindings, in the order of Actions.
func Defaults() []Binding {
	var bs []Binding
	for _, a := range Actions() {
		for _, k := range a.Keys {
			c, err := Parse(k)
			if err != nil {
				panic("keymap: default key " + k + ": " + err.Error()) // the tests parse every default
			}
			bs = append(bs, Binding{c, a.Name})
		}
	}
	return bs
}

// Problem is one binding of a list that cannot stand, by its index.
type Problem struct {
	Index int
	Msg   string
}

// Resolve applies overrides to the default bindings: a chord of overrides
// takes its key from whatever default had it (Unbind only takes it away).
// It returns the effective bindings, defaults first in their order, and the
// problems of overrides: a chord given twice, or a chord that starts
// another bound chord (a key cannot both act and wait for a next key).
func Resolve(overrides []Binding) ([]Binding, []Problem) {
	var ps []Problem
	for i, b := range overrides {
		for j := range i {
			if overrides[j].Chord.Equal(b.Chord) {
				ps = append(ps, Problem{i, fmt.Sprintf("%s is bound twice (also to %s)", b.Chord, overrides[j].Action)})
				break
			}
		}
	}
	var out []Binding
	for _, d := range Defaults() {
		taken := false
		for _, o := range overrides {
			taken = taken || o.Chord.Equal(d.Chord)
		}
		if !taken {
			out = append(out, d)
		}
	}
	for _, o := range overrides {
		if o.Action != Unbind && !containsChord(out, o.Chord) {
			out = append(out, o)
		}
	}
	for i, o := range overrides {
		if o.Action == Unbind {
			continue
		}
		for _, b := range out {
			if b.Chord.Equal(o.Chord) || !(b.Chord.HasPrefix(o.Chord) || o.Chord.HasPrefix(b.Chord)) {
				continue
			}
			short, long := o.Chord, b.Chord
			if len(short) > len(long) {
				short, long = long, short
			}
			ps = append(ps, Problem{i, fmt.Sprintf("%s starts %s (bound to %s): unbind one of them with = %q", short, long, b.Action, Unbind)})
			break
		}
	}
	return out, ps
}

func containsChord(bs []Binding, c Chord) bool {
	for _, b := range bs {
		if b.Chord.Equal(c) {
			return true
		}
	}
	return false
}
