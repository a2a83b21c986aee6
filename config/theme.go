package config

import "strings"

// Built-in themes, named by [ui.theme] name.
const (
	ThemeDark  = "dark"  // the default: the basic colours on the terminal's own background
	ThemeLight = "light" // darker colours for a light terminal background
	ThemeMono  = "mono"  // no colour: roles told apart by bold, underline and reverse
)

// themeNames lists the built-in themes.
var themeNames = [...]string{ThemeDark, ThemeLight, ThemeMono}

// BuiltinTheme returns the built-in theme name, and whether there is one.
func BuiltinTheme(name string) (Theme, bool) {
	t := Theme{Name: name}
	for _, c := range themeColours() {
		def := c.def
		switch name {
		case ThemeDark:
		case ThemeLight:
			def = c.light
		case ThemeMono:
			def = "default"
		default:
			return Theme{}, false
		}
		*c.ptr(&t), _ = parseColour(def) // the tests check that every default parses
	}
	return t, true
}

// theme decodes [ui.theme]: the built-in theme of its name key (default
// dark), with the colours it sets over it.
func (l *loader) theme(key string, m map[string]any, t *Theme) {
	name := ThemeDark
	if v, ok := m["name"]; ok {
		s, isStr := v.(string)
		base, known := BuiltinTheme(s)
		switch {
		case !isStr:
			l.ps.add(joinKey(key, "name"), "must be a string")
		case !known:
			l.ps.add(joinKey(key, "name"), "%q is not a theme: %s", s, strings.Join(themeNames[:], ", "))
		default:
			name = base.Name
		}
	}
	*t, _ = BuiltinTheme(name)
	decodeTable(l, key, m, themeFields(), t)
	t.Explicit = len(m) > 0
}

// ForEnv returns the theme to draw with under the environment getenv reads:
// NO_COLOR (https://no-color.org), set and not empty, turns the default
// colours into the mono theme; a [ui.theme] table in the config file is a
// choice made by the user and wins over it, as the convention asks.
func (t Theme) ForEnv(getenv func(string) string) Theme {
	if getenv("NO_COLOR") != "" && !t.Explicit {
		mono, _ := BuiltinTheme(ThemeMono)
		return mono
	}
	return t
}
