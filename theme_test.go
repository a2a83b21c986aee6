package main

import (
	"testing"

	"github.com/gdamore/tcell/v2"

	"parley/config"
)

// TestUITheme: the built-in themes reach the UI with their attributes and
// nick colours; NO_COLOR without a [ui.theme] table is mono.
func TestUITheme(t *testing.T) {
	for _, tt := range []struct {
		name string
		mono bool
		luma uint8
		bar  tcell.Color
	}{
		{config.ThemeDark, false, 190, tcell.ColorNavy},
		{config.ThemeLight, false, 40, tcell.ColorSilver},
		{config.ThemeMono, true, 0, tcell.ColorDefault},
	} {
		th, ok := config.BuiltinTheme(tt.name)
		if !ok {
			t.Fatal(tt.name)
		}
		u := uiTheme(th)
		if u.Mono != tt.mono || u.NickLuma != tt.luma || u.BarBg != tt.bar {
			t.Errorf("%s: %+v", tt.name, u)
		}
	}
	dark, _ := config.BuiltinTheme(config.ThemeDark)
	env := func(k string) string {
		if k == "NO_COLOR" {
			return "1"
		}
		return ""
	}
	if u := uiTheme(dark.ForEnv(env)); !u.Mono || u.NickLuma != 0 {
		t.Errorf("NO_COLOR: %+v", u)
	}
	dark.Explicit = true
	if u := uiTheme(dark.ForEnv(env)); u.Mono {
		t.Error("NO_COLOR wins over a [ui.theme] table")
	}
}
