// Package keymap is parley's key notation and its table of named actions:
// what the [keys] table of the config binds, what the UI matches key events
// against, and what /help keys lists.
//
// A key is written as users of tmux, Emacs and readline write it: modifiers
// (Alt-, Ctrl-, Shift-; M- and C- too) before a key name, case-insensitive
// but for a single character ("Alt-n" is not "Alt-N"): "Alt-Left",
// "Ctrl-X Ctrl-E" (a sequence of keys, separated by spaces), "F5", "PgUp",
// "Alt-Enter". Each key has one canonical spelling, Key.String.
package keymap

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"
)

// Key is one key press: a tcell key (tcell.KeyRune with a rune for a
// character) and its modifiers. Only the modifiers that tell keys apart are
// kept (see Normalize).
type Key struct {
	Key  tcell.Key
	Rune rune // for tcell.KeyRune
	Mod  tcell.ModMask
}

// Chord is a sequence of keys pressed one after the other ("Ctrl-X
// Ctrl-E"); most chords are one key.
type Chord []Key

// MaxChord bounds the keys of a chord.
const MaxChord = 3

// Normalize maps a key as tcell reports it to the Key it is bound as: a
// control byte to its Ctrl-letter key, and the modifiers reduced to those
// that matter (Alt for characters and Ctrl keys; Alt, Ctrl and Shift for
// the others).
func Normalize(k tcell.Key, r rune, mod tcell.ModMask) Key {
	switch {
	case k == tcell.KeyRune:
		return Key{Key: k, Rune: r, Mod: mod & tcell.ModAlt}
	case k == tcell.KeyBackspace2:
		k = tcell.KeyBackspace
	case k >= tcell.KeyNUL && k < tcell.KeyCtrlSpace && k != tcell.KeyBackspace && k != tcell.KeyTab && k != tcell.KeyEnter && k != tcell.KeyEscape:
		k += tcell.KeyCtrlSpace // a control byte: its Ctrl key
	}
	if k < tcell.KeyRune {
		return Key{Key: k, Mod: mod & tcell.ModAlt}
	}
	return Key{Key: k, Mod: mod & (tcell.ModAlt | tcell.ModCtrl | tcell.ModShift)}
}

// FromEvent returns the Key of a key event.
func FromEvent(ev *tcell.EventKey) Key {
	return Normalize(ev.Key(), ev.Rune(), ev.Modifiers())
}

// names are the key names beyond single characters, canonical spelling
// first for each key.
var names = []struct {
	name string
	key  tcell.Key
}{
	{"Enter", tcell.KeyEnter}, {"Return", tcell.KeyEnter},
	{"Tab", tcell.KeyTab}, {"Backtab", tcell.KeyBacktab},
	{"Esc", tcell.KeyEscape}, {"Escape", tcell.KeyEscape},
	{"Backspace", tcell.KeyBackspace}, {"BS", tcell.KeyBackspace},
	{"Delete", tcell.KeyDelete}, {"Del", tcell.KeyDelete},
	{"Insert", tcell.KeyInsert}, {"Ins", tcell.KeyInsert},
	{"Home", tcell.KeyHome}, {"End", tcell.KeyEnd},
	{"PgUp", tcell.KeyPgUp}, {"PageUp", tcell.KeyPgUp},
	{"PgDn", tcell.KeyPgDn}, {"PageDown", tcell.KeyPgDn},
	{"Up", tcell.KeyUp}, {"Down", tcell.KeyDown},
	{"Left", tcell.KeyLeft}, {"Right", tcell.KeyRight},
}

// Parse parses a chord in the key notation.
func Parse(s string) (Chord, error) {
	parts := strings.Fields(s)
	if len(parts) == 0 {
		return nil, errors.New("no key")
	}
	if len(parts) > MaxChord {
		return nil, fmt.Errorf("%d keys in a row: at most %d", len(parts), MaxChord)
	}
	c := make(Chord, len(parts))
	for i, p := range parts {
		k, err := parseKey(p)
		if err != nil {
			return nil, err
		}
		c[i] = k
	}
	return c, nil
}

// parseKey parses one key: modifiers, then a key name or a character.
func parseKey(s string) (Key, error) {
	orig := s
	var mod tcell.ModMask
	for {
		i := strings.IndexByte(s, '-')
		if i <= 0 || i == len(s)-1 {
			break // no modifier left; "-" and "Alt--" name the minus key
		}
		switch strings.ToLower(s[:i]) {
		case "alt", "meta", "m", "a":
			mod |= tcell.ModAlt
		case "ctrl", "control", "c":
			mod |= tcell.ModCtrl
		case "shift", "s":
			mod |= tcell.ModShift
		default:
			return Key{}, fmt.Errorf("%q: unknown modifier %q (Alt, Ctrl or Shift)", orig, s[:i])
		}
		s = s[i+1:]
	}
	if r, n := utf8.DecodeRuneInString(s); n == len(s) && r != utf8.RuneError {
		return charKey(orig, r, mod)
	}
	if s == "Space" || strings.EqualFold(s, "space") {
		return charKey(orig, ' ', mod)
	}
	if len(s) > 1 && (s[0] == 'F' || s[0] == 'f') {
		if n, err := strconv.Atoi(s[1:]); err == nil && n >= 1 && n <= 64 && s[1] != '0' {
			return Normalize(tcell.KeyF1+tcell.Key(n-1), 0, mod), nil
		}
	}
	if strings.EqualFold(s, "tab") && mod&tcell.ModShift != 0 {
		return Normalize(tcell.KeyBacktab, 0, mod&^tcell.ModShift), nil
	}
	for _, kn := range names {
		if strings.EqualFold(s, kn.name) {
			if kn.key < tcell.KeyRune && mod&(tcell.ModCtrl|tcell.ModShift) != 0 {
				return Key{}, fmt.Errorf("%q: terminals send %s with Ctrl or Shift as %s alone", orig, kn.name, kn.name)
			}
			return Normalize(kn.key, 0, mod), nil
		}
	}
	return Key{}, fmt.Errorf("%q: unknown key name %q (a character, F1..F64, or one of Enter, Tab, Esc, Backspace, Delete, Insert, Home, End, PgUp, PgDn, Up, Down, Left, Right, Space)", orig, s)
}

// charKey is the key of character r with modifiers mod.
func charKey(orig string, r rune, mod tcell.ModMask) (Key, error) {
	if r < ' ' || r == 0x7f {
		return Key{}, fmt.Errorf("%q: a control character is written Ctrl- and a letter", orig)
	}
	if mod&tcell.ModShift != 0 {
		return Key{}, fmt.Errorf("%q: Shift with a character is the shifted character itself (write \"N\", not \"Shift-n\")", orig)
	}
	if mod&tcell.ModCtrl == 0 {
		return Key{Key: tcell.KeyRune, Rune: r, Mod: mod}, nil
	}
	l := r | 0x20 // lower case of an ASCII letter
	switch {
	case l >= 'a' && l <= 'z':
		return Key{Key: tcell.KeyCtrlA + tcell.Key(l-'a'), Mod: mod & tcell.ModAlt}, nil
	case r == ' ' || r == '@':
		return Key{Key: tcell.KeyCtrlSpace, Mod: mod & tcell.ModAlt}, nil
	case r == '\\':
		return Key{Key: tcell.KeyCtrlBackslash, Mod: mod & tcell.ModAlt}, nil
	case r == ']':
		return Key{Key: tcell.KeyCtrlRightSq, Mod: mod & tcell.ModAlt}, nil
	case r == '^':
		return Key{Key: tcell.KeyCtrlCarat, Mod: mod & tcell.ModAlt}, nil
	case r == '_':
		return Key{Key: tcell.KeyCtrlUnderscore, Mod: mod & tcell.ModAlt}, nil
	}
	return Key{}, fmt.Errorf("%q: terminals cannot send Ctrl with %q", orig, string(r))
}

// String returns the canonical spelling of k: "Alt-n", "Ctrl-E", "F4",
// "Alt-Left".
func (k Key) String() string {
	var b strings.Builder
	if k.Mod&tcell.ModCtrl != 0 {
		b.WriteString("Ctrl-")
	}
	if k.Mod&tcell.ModAlt != 0 {
		b.WriteString("Alt-")
	}
	if k.Mod&tcell.ModShift != 0 {
		b.WriteString("Shift-")
	}
	b.WriteString(k.base())
	return b.String()
}

// base names the key without its modifiers.
func (k Key) base() string {
	switch {
	case k.Key == tcell.KeyRune:
		if k.Rune == ' ' {
			return "Space"
		}
		return string(k.Rune)
	case k.Key >= tcell.KeyCtrlA && k.Key <= tcell.KeyCtrlZ:
		return "Ctrl-" + string(rune('A'+k.Key-tcell.KeyCtrlA))
	case k.Key == tcell.KeyCtrlSpace:
		return "Ctrl-Space"
	case k.Key == tcell.KeyCtrlBackslash:
		return `Ctrl-\`
	case k.Key == tcell.KeyCtrlRightSq:
		return "Ctrl-]"
	case k.Key == tcell.KeyCtrlCarat:
		return "Ctrl-^"
	case k.Key == tcell.KeyCtrlUnderscore:
		return "Ctrl-_"
	case k.Key >= tcell.KeyF1 && k.Key <= tcell.KeyF64:
		return "F" + strconv.Itoa(int(k.Key-tcell.KeyF1)+1)
	}
	for _, kn := range names {
		if kn.key == k.Key {
			return kn.name
		}
	}
	return fmt.Sprintf("key%d", k.Key)
}

// String returns the canonical spelling of c, keys separated by spaces.
func (c Chord) String() string {
	s := make([]string, len(c))
	for i, k := range c {
		s[i] = k.String()
	}
	return strings.Join(s, " ")
}

// Equal reports whether c and d are the same chord.
func (c Chord) Equal(d Chord) bool {
	if len(c) != len(d) {
		return false
	}
	for i := range c {
		if c[i] != d[i] {
			return false
		}
	}
	return true
}

// HasPrefix reports whether p is a prefix of c (or c itself).
func (c Chord) HasPrefix(p Chord) bool {
	return len(p) <= len(c) && c[:len(p)].Equal(p)
}
