package keymap

import (
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want string // canonical spelling, or the start of the error
		err  bool
	}{
		{"alt-n", "Alt-n", false},
		{"Alt-N", "Alt-N", false},
		{"M-n", "Alt-n", false},
		{"meta-left", "Alt-Left", false},
		{"ctrl-x ctrl-e", "Ctrl-X Ctrl-E", false},
		{"C-x  C-e", "Ctrl-X Ctrl-E", false},
		{"ctrl-X", "Ctrl-X", false},
		{"f4", "F4", false},
		{"F12", "F12", false},
		{"alt-pgup", "Alt-PgUp", false},
		{"PageDown", "PgDn", false},
		{"alt-enter", "Alt-Enter", false},
		{"alt-ctrl-x", "Alt-Ctrl-X", false},
		{"ctrl-left", "Ctrl-Left", false},
		{"shift-up", "Shift-Up", false},
		{"shift-tab", "Backtab", false},
		{"alt--", "Alt--", false},
		{"-", "-", false},
		{"space", "Space", false},
		{"ctrl-space", "Ctrl-Space", false},
		{"é", "é", false},
		{"", "no key", true},
		{"hyper-x", `"hyper-x": unknown modifier`, true},
		{"alt-foo", `"alt-foo": unknown key name`, true},
		{"f0", `"f0": unknown key name`, true},
		{"f65", `"f65": unknown key name`, true},
		{"shift-n", `"shift-n": Shift with a character`, true},
		{"ctrl-enter", `"ctrl-enter": terminals send Enter`, true},
		{"ctrl-1", `"ctrl-1": terminals cannot send Ctrl`, true},
		{"a b c d", "4 keys in a row", true},
	}
	for _, tt := range tests {
		c, err := Parse(tt.in)
		switch {
		case tt.err && err == nil:
			t.Errorf("Parse(%q) = %v, want an error", tt.in, c)
		case tt.err && !strings.HasPrefix(err.Error(), tt.want):
			t.Errorf("Parse(%q): %v, want %s...", tt.in, err, tt.want)
		case !tt.err && err != nil:
			t.Errorf("Parse(%q): %v", tt.in, err)
		case !tt.err && c.String() != tt.want:
			t.Errorf("Parse(%q) = %s, want %s", tt.in, c, tt.want)
		}
		if err == nil {
			again, err := Parse(c.String())
			if err != nil || !again.Equal(c) {
				t.Errorf("%q: the canonical %q parses to %v, %v", tt.in, c, again, err)
			}
		}
	}
}

// TestNormalize checks that the events tcell makes of the bytes terminals
// send match the parsed keys.
func TestNormalize(t *testing.T) {
	tests := []struct {
		ev   *tcell.EventKey
		want string
	}{
		{tcell.NewEventKey(tcell.KeyRune, 'n', tcell.ModAlt), "Alt-n"},
		{tcell.NewEventKey(tcell.KeyRune, 'N', tcell.ModAlt|tcell.ModShift), "Alt-N"},
		{tcell.NewEventKey(tcell.KeyCtrlX, 'x', tcell.ModCtrl), "Ctrl-X"},
		{tcell.NewEventKey(tcell.KeyRune, 0x18, tcell.ModNone), "Ctrl-X"}, // the byte 0x18
		{tcell.NewEventKey(tcell.KeyLF, 0, tcell.ModNone), "Ctrl-J"},
		{tcell.NewEventKey(tcell.KeyEnter, 0, tcell.ModAlt), "Alt-Enter"},
		{tcell.NewEventKey(tcell.KeyLeft, 0, tcell.ModAlt), "Alt-Left"},
		{tcell.NewEventKey(tcell.KeyF4, 0, tcell.ModNone), "F4"},
		{tcell.NewEventKey(tcell.KeyBackspace2, 0, tcell.ModAlt), "Alt-Backspace"},
		{tcell.NewEventKey(tcell.KeyPgUp, 0, tcell.ModAlt|tcell.ModMeta), "Alt-PgUp"},
	}
	for _, tt := range tests {
		k := FromEvent(tt.ev)
		c, err := Parse(tt.want)
		if err != nil {
			t.Fatal(err)
		}
		if k != c[0] {
			t.Errorf("%s: event %v, parsed %v", tt.want, k, c[0])
		}
	}
}

// TestDefaults checks that every default key parses, no two actions share
// one (but Ctrl-K: kill-line and finder), no chord starts another, and
// names are unique.
func TestDefaults(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range Actions() {
		if seen[a.Name] || a.Name == Unbind || a.Help == "" {
			t.Errorf("action %q: duplicate, reserved or without help", a.Name)
		}
		seen[a.Name] = true
	}
	out, ps := Resolve(nil)
	if len(ps) > 0 {
		t.Errorf("the defaults conflict: %v", ps)
	}
	shared := func(a, b Binding) bool {
		return a.Chord.String() == "Ctrl-K" && a.Chord.Equal(b.Chord) && (a.Action == "finder") != (b.Action == "finder") && (a.Action == "kill-line") != (b.Action == "kill-line")
	}
	for i, b := range out {
		for _, c := range out[:i] {
			if shared(b, c) {
				continue
			}
			if b.Chord.HasPrefix(c.Chord) || c.Chord.HasPrefix(b.Chord) {
				t.Errorf("%s (%s) and %s (%s) overlap", b.Chord, b.Action, c.Chord, c.Action)
			}
		}
	}
}

func TestResolve(t *testing.T) {
	b := func(k, action string) Binding {
		c, err := Parse(k)
		if err != nil {
			t.Fatal(err)
		}
		return Binding{c, action}
	}
	find := func(bs []Binding, k string) string {
		c, _ := Parse(k)
		for _, x := range bs {
			if x.Chord.Equal(c) {
				return x.Action
			}
		}
		return ""
	}
	out, ps := Resolve([]Binding{b("alt-n", "next-window"), b("Ctrl-P", Unbind), b("F5", "/wins")})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	for k, want := range map[string]string{"Alt-n": "next-window", "Ctrl-P": "", "F5": "/wins", "Alt-Right": "next-window", "Alt-p": "prev-highlight", "Alt-Left": "prev-window"} {
		if got := find(out, k); got != want {
			t.Errorf("%s is bound to %q, want %q", k, got, want)
		}
	}
	// Conflicts.
	_, ps = Resolve([]Binding{b("alt-x", "redraw"), b("Alt-x", "next-window")})
	if len(ps) != 1 || ps[0].Index != 1 || !strings.Contains(ps[0].Msg, "bound twice") {
		t.Errorf("twice: %v", ps)
	}
	_, ps = Resolve([]Binding{b("ctrl-x", "redraw")})
	if len(ps) != 1 || !strings.Contains(ps[0].Msg, "Ctrl-X starts Ctrl-X Ctrl-E (bound to edit-external)") {
		t.Errorf("prefix: %v", ps)
	}
	if _, ps = Resolve([]Binding{b("ctrl-x", "redraw"), b("ctrl-x ctrl-e", Unbind)}); len(ps) != 0 {
		t.Errorf("prefix freed: %v", ps)
	}
	_, ps = Resolve([]Binding{b("alt-n x", "redraw")})
	if len(ps) != 1 || !strings.Contains(ps[0].Msg, "Alt-n starts Alt-n x") {
		t.Errorf("longer: %v", ps)
	}
	if !Known("next-window") || !Known("/wins") || !Known(Unbind) || Known("next_window") || Known("/") {
		t.Error("Known")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"alt-n", "ctrl-x ctrl-e", "F4", "alt--", "é", "C-M-S-x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(c.String())
		if err != nil || !again.Equal(c) {
			t.Fatalf("%q → %q → %v, %v", s, c, again, err)
		}
	})
}
