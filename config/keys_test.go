package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
)

const keysAcct = "[[account]]\njid = \"a@example.org\"\npassword_eval = \"echo x\"\n"

// TestKeys: [keys] binds chords in the key notation to actions, command
// lines and "none".
func TestKeys(t *testing.T) {
	c, err := Load(writeConfig(t, "[keys]\n\"alt-x\" = \"next-window\"\n\"ctrl-x w\" = \"/wins\"\n\"Ctrl-C\" = \"none\"\n"+keysAcct, 0o600))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range c.Keys {
		got = append(got, b.Chord.String()+"="+b.Action)
	}
	if strings.Join(got, ",") != "Alt-x=next-window,Ctrl-X w=/wins,Ctrl-C=none" {
		t.Errorf("bindings %v", got)
	}
}

// TestKeysErrors: every wrong binding is an error with file, line and key.
func TestKeysErrors(t *testing.T) {
	text := "[keys]\n" +
		"\"alt-x\" = \"next_window\"\n" + // 2: a typo
		"\"hyper-q\" = \"redraw\"\n" + // 3: no such modifier
		"\"F5\" = \"frobnicate\"\n" + // 4: no such action
		"\"Alt-n\" = \"redraw\"\n" + // 5
		"\"alt-n\" = \"roster-focus\"\n" + // 6: Alt-n again
		"\"ctrl-x\" = \"redraw\"\n" + // 7: starts Ctrl-X Ctrl-E
		"\"F6\" = 3\n" + // 8: not a string
		"\"Ctrl-X y\" = \"yank\"\n" + // 9: an editing action on a sequence
		keysAcct
	path := writeConfig(t, text, 0o600)
	_, err := Load(path)
	var es *Errors
	if !errors.As(err, &es) {
		t.Fatalf("err = %v", err)
	}
	want := []struct {
		line int
		key  string
		msg  string
	}{
		{2, `keys.alt-x`, `unknown action "next_window" (did you mean next-window?)`},
		{3, `keys.hyper-q`, `"hyper-q": unknown modifier "hyper"`},
		{4, `keys.F5`, `unknown action "frobnicate"`},
		{6, `keys.alt-n`, `Alt-n is bound twice (also to redraw)`},
		{7, `keys.ctrl-x`, `Ctrl-X starts Ctrl-X Ctrl-E (bound to edit-external)`},
		{8, `keys.F6`, `must be a string`},
		{9, `keys."Ctrl-X y"`, `yank edits the input line: bind it to one key`},
	}
	if len(es.List) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(es.List), len(want), err)
	}
	for i, w := range want {
		p := es.List[i]
		if p.Line != w.line || strings.Trim(p.Key, `"`) != w.key && p.Key != w.key || !strings.Contains(p.Msg, w.msg) {
			t.Errorf("problem %d = %d %s %q, want %d %s …%q…", i, p.Line, p.Key, p.Msg, w.line, w.key, w.msg)
		}
	}
	if !strings.Contains(err.Error(), path+":7: ") {
		t.Errorf("the message does not name file and line:\n%v", err)
	}
}

// TestThemes: [ui.theme] name picks a built-in theme, colours override it,
// and NO_COLOR gives mono unless the file has a theme.
func TestThemes(t *testing.T) {
	load := func(text string) Theme {
		t.Helper()
		c, err := Load(writeConfig(t, text+keysAcct, 0o600))
		if err != nil {
			t.Fatal(err)
		}
		return c.UI.Theme
	}
	noColor := func(k string) string {
		if k == "NO_COLOR" {
			return "1"
		}
		return ""
	}
	none := func(string) string { return "" }
	if th := load(""); th.Name != ThemeDark || th.Explicit || th.StatusBG != tcell.ColorNavy {
		t.Errorf("default %+v", th)
	}
	if th := load("").ForEnv(noColor); th.Name != ThemeMono || th.StatusBG != tcell.ColorDefault || th.Error != tcell.ColorDefault {
		t.Errorf("NO_COLOR %+v", th)
	}
	if th := load("").ForEnv(none); th.Name != ThemeDark {
		t.Errorf("no NO_COLOR %+v", th)
	}
	th := load("[ui.theme]\nname = \"light\"\nerror = \"red\"\n")
	if th.Name != ThemeLight || th.StatusBG != tcell.ColorSilver || th.Error != tcell.ColorRed {
		t.Errorf("light with error red %+v", th)
	}
	if th.ForEnv(noColor) != th {
		t.Error("NO_COLOR overrides the config's theme")
	}
	if th := load("[ui.theme]\nname = \"mono\"\n"); th.OwnMessage != tcell.ColorDefault || th.Name != ThemeMono {
		t.Errorf("mono %+v", th)
	}
	_, err := Load(writeConfig(t, "[ui.theme]\nname = \"solarized\"\n"+keysAcct, 0o600))
	if err == nil || !strings.Contains(err.Error(), `:2: ui.theme.name: "solarized" is not a theme: dark, light, mono`) {
		t.Errorf("unknown theme: %v", err)
	}
	_, err = Load(writeConfig(t, "[ui]\nroster_order = \"random\"\n"+keysAcct, 0o600))
	if err == nil || !strings.Contains(err.Error(), `:2: ui.roster_order: "random"`) {
		t.Errorf("roster_order: %v", err)
	}
}
