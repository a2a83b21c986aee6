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
}

// Unbind is the action that takes a key away from its default action.
const Unbind = "none"

// MaxCommand bounds a command line bound to a key ("F5" = "/wins").
const MaxCommand = 512

// Actions returns the named actions, in /help keys order, with their
// default keys.
func Actions() []Action {
	acts := []Action{
		{"prev-window", "previous window", []string{"Alt-Left", "Ctrl-P"}},
		{"next-window", "next window", []string{"Alt-Right", "Ctrl-N"}},
		{"last-window", "the window shown before this one", []string{"Alt-z"}},
		{"important-window", "the window with the most important activity: a private message, else a highlight, else any message", []string{"Alt-e"}},
		{"next-active", "next window with unread messages, highlights first", []string{"Alt-a"}},
		{"prev-highlight", "scroll to the previous message that mentions you in this window", []string{"Alt-p"}},
		{"next-highlight", "scroll to the next message that mentions you in this window (past the last: the bottom)", []string{"Alt-n"}},
		{"page-up", "scroll the conversation up; at the top, load older history", []string{"PgUp"}},
		{"page-down", "scroll the conversation down (after a search hit: load newer history)", []string{"PgDn"}},
		{"roster-focus", "focus the roster / the input line (in the roster: arrows or j/k, Enter opens or folds a group, Esc returns)", []string{"Alt-r"}},
		{"roster-offline", "show or hide offline contacts in the roster (also /roster offline)", []string{"Alt-h"}},
		{"roster-order", "order the roster's contacts by presence or by name (also /roster order)", []string{"Alt-v"}},
		{"toggle-occupants", "show or hide the occupant pane of room windows (also /occupants)", []string{"F4"}},
		{"occupants-up", "scroll the occupant pane up", []string{"Alt-PgUp"}},
		{"occupants-down", "scroll the occupant pane down", []string{"Alt-PgDn"}},
		{"accept-invite", "accept the newest room invitation: join the room", []string{"Alt-j"}},
		{"edit-external", "edit the input line in $VISUAL or $EDITOR; the text comes back into the input line, not sent", []string{"Alt-c", "Ctrl-X Ctrl-E"}},
		{"redraw", "redraw the screen", []string{"Ctrl-L"}},
		{"quit-hint", "say how to leave (/quit)", []string{"Ctrl-C"}},
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
		acts = append(acts, Action{"window-" + strconv.Itoa(n), help, keys})
	}
	return acts
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
