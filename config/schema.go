package config

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
)

// kind is the TOML type a key takes.
type kind int

const (
	kString kind = iota
	kInteger
	kBoolean
	kTable  // [name] or an inline table
	kTables // [[name]]
	kStrings
)

// describe names the kind for messages: "must be a string".
func (k kind) describe() string {
	switch k {
	case kString:
		return "a string"
	case kInteger:
		return "an integer"
	case kBoolean:
		return "a boolean (true or false)"
	case kTable:
		return "a table"
	case kStrings:
		return "an array of strings"
	}
	return "an array of tables"
}

// kindOf reports the kind of a decoded TOML value, and its description.
func kindOf(v any) (kind, string) {
	switch v := v.(type) {
	case string:
		return kString, "a string"
	case int64:
		return kInteger, "an integer"
	case bool:
		return kBoolean, "a boolean"
	case float64:
		return -1, "a float"
	case map[string]any:
		return kTable, "a table"
	case []map[string]any:
		return kTables, "an array of tables"
	case []any:
		if len(v) > 0 && allStrings(v) {
			return kStrings, "an array of strings"
		}
		for _, e := range v {
			if _, ok := e.(map[string]any); !ok {
				return -1, "an array"
			}
		}
		if len(v) == 0 {
			return -1, "an empty array"
		}
		return kTables, "an array of tables"
	}
	return -1, "a date or time"
}

// allStrings reports whether every element of v is a string.
func allStrings(v []any) bool {
	for _, e := range v {
		if _, ok := e.(string); !ok {
			return false
		}
	}
	return true
}

// field is one key of a table of type T: its name, TOML kind, and how it
// applies a value (of the Go type toml decodes that kind to) to T. set
// reports problems through the loader under key, the key's canonical path.
type field[T any] struct {
	name string
	kind kind
	set  func(l *loader, key string, dst *T, v any)
	sub  func() []string // the known keys of a sub-table, for knownKeys
}

// decodeTable applies the keys of m to dst, reporting unknown keys and keys
// of the wrong type. prefix is the canonical path of the table.
func decodeTable[T any](l *loader, prefix string, m map[string]any, fields []field[T], dst *T) {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		key := joinKey(prefix, name)
		f, ok := findField(fields, name)
		if !ok {
			known := make([]string, len(fields))
			for i, f := range fields {
				known[i] = f.name
			}
			if s := suggest(name, known); s != "" {
				l.ps.add(key, "unknown key (did you mean %s?)", s)
			} else {
				l.ps.add(key, "unknown key (known keys here: %s)", strings.Join(known, ", "))
			}
			continue
		}
		v := m[name]
		if k, desc := kindOf(v); k != f.kind && !(f.kind == kStrings && desc == "an empty array") {
			l.ps.add(key, "must be %s, not %s", f.kind.describe(), desc)
			continue
		}
		f.set(l, key, dst, v)
	}
}

func findField[T any](fields []field[T], name string) (field[T], bool) {
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	return field[T]{}, false
}

// fieldKeys lists the keys of fields under prefix, sub-tables included.
func fieldKeys[T any](prefix string, fields []field[T]) []string {
	var keys []string
	for _, f := range fields {
		key := joinKey(prefix, f.name)
		keys = append(keys, key)
		if f.sub != nil {
			for _, s := range f.sub() {
				keys = append(keys, key+"."+s) // s is already a path
			}
		}
	}
	return keys
}

// knownKeys lists every key the loader knows, as dotted paths without array
// indexes: "history_dir", "ui", "ui.theme.error", "account", "account.jid".
func knownKeys() []string {
	return fieldKeys("", topFields())
}

// asTables returns the tables of a value of kind kTables.
func asTables(v any) []map[string]any {
	switch v := v.(type) {
	case []map[string]any:
		return v
	case []any:
		ts := make([]map[string]any, len(v))
		for i, e := range v {
			ts[i] = e.(map[string]any)
		}
		return ts
	}
	return nil
}

// topFields are the top-level keys.
func topFields() []field[Config] {
	fs := []field[Config]{
		{name: "history_dir", kind: kString, set: func(l *loader, key string, c *Config, v any) {
			s := v.(string)
			if strings.TrimSpace(s) == "" {
				l.ps.add(key, "is empty (leave the key out for the default)")
				return
			}
			c.HistoryDir = l.expandPath(s)
		}},
	}
	fs = append(fs, fileFields()...) // download_dir, url_open_cmd (files.go)
	return append(fs, []field[Config]{
		{name: "ui", kind: kTable, sub: func() []string { return fieldKeys("", uiFields()) },
			set: func(l *loader, key string, c *Config, v any) {
				decodeTable(l, key, v.(map[string]any), uiFields(), &c.UI)
			}},
		{name: "keys", kind: kTable, set: func(l *loader, key string, c *Config, v any) {
			c.Keys = l.keys(key, v.(map[string]any)) // keys.go
		}},
		{name: "account", kind: kTables, sub: func() []string { return fieldKeys("", accountFields()) },
			set: func(l *loader, key string, c *Config, v any) {
				for i, m := range asTables(v) {
					c.Accounts = append(c.Accounts, l.account(fmt.Sprintf("%s[%d]", key, i+1), m))
				}
			}},
	}...)
}

// uiFields are the keys of [ui].
func uiFields() []field[UI] {
	return []field[UI]{
		{name: "time_format", kind: kString, set: func(l *loader, key string, u *UI, v any) {
			if msg := checkLayout(v.(string)); msg != "" {
				l.ps.add(key, "%s", msg)
				return
			}
			u.TimeFormat = v.(string)
		}},
		{name: "roster_width", kind: kInteger, set: func(l *loader, key string, u *UI, v any) {
			l.intRange(key, v, 10, 80, &u.RosterWidth)
		}},
		{name: "occupant_width", kind: kInteger, set: func(l *loader, key string, u *UI, v any) {
			l.intRange(key, v, 10, 80, &u.OccupantWidth)
		}},
		{name: "xmlconsole_lines", kind: kInteger, set: func(l *loader, key string, u *UI, v any) {
			l.intRange(key, v, 10, 100000, &u.XMLConsole)
		}},
		{name: "show_joins", kind: kBoolean, set: func(_ *loader, _ string, u *UI, v any) {
			u.ShowJoins = v.(bool)
		}},
		{name: "styling", kind: kBoolean, set: func(_ *loader, _ string, u *UI, v any) {
			u.Styling = v.(bool)
		}},
		{name: "autoaway_minutes", kind: kInteger, set: func(l *loader, key string, u *UI, v any) {
			var n int
			if l.intRange(key, v, 0, 1440, &n) {
				u.AutoAway = time.Duration(n) * time.Minute
			}
		}},
		{name: "autoxa_minutes", kind: kInteger, set: func(l *loader, key string, u *UI, v any) {
			var n int
			if l.intRange(key, v, 0, 1440, &n) {
				u.AutoXA = time.Duration(n) * time.Minute
			}
		}},
		{name: "bell", kind: kBoolean, set: func(_ *loader, _ string, u *UI, v any) {
			u.Bell = v.(bool)
		}},
		{name: "desktop_notify", kind: kBoolean, set: func(_ *loader, _ string, u *UI, v any) {
			u.DesktopNotify = v.(bool)
		}},
		{name: "highlight_words", kind: kStrings, set: func(l *loader, key string, u *UI, v any) {
			u.HighlightWords = nil
			for _, e := range v.([]any) {
				w := strings.TrimSpace(e.(string))
				if w == "" || len(w) > 100 {
					l.ps.add(key, "%q: a highlight word is 1 to 100 bytes, not blank", e.(string))
					continue
				}
				u.HighlightWords = append(u.HighlightWords, w)
			}
		}},
		{name: "send_chat_states", kind: kBoolean, set: func(_ *loader, _ string, u *UI, v any) {
			u.SendChatStates = v.(bool)
		}},
		{name: "send_chat_states_rooms", kind: kBoolean, set: func(_ *loader, _ string, u *UI, v any) {
			u.SendChatStatesRooms = v.(bool)
		}},
		{name: "send_read_markers", kind: kBoolean, set: func(_ *loader, _ string, u *UI, v any) {
			u.SendReadMarkers = v.(bool)
		}},
		{name: "roster_show_offline", kind: kBoolean, set: func(_ *loader, _ string, u *UI, v any) {
			u.RosterShowOffline = v.(bool)
		}},
		{name: "roster_order", kind: kString, set: func(l *loader, key string, u *UI, v any) {
			if s := v.(string); s != "presence" && s != "name" {
				l.ps.add(key, "%q: the roster is ordered by \"presence\" (online contacts first) or by \"name\"", s)
				return
			}
			u.RosterOrder = v.(string)
		}},
		{name: "mouse", kind: kBoolean, set: func(_ *loader, _ string, u *UI, v any) {
			u.Mouse = v.(bool)
		}},
		{name: "theme", kind: kTable, sub: func() []string { return fieldKeys("", themeFields()) },
			set: func(l *loader, key string, u *UI, v any) {
				l.theme(key, v.(map[string]any), &u.Theme) // theme.go
			}},
	}
}

// checkLayout returns why s is not a usable Go time layout, or "".
func checkLayout(s string) string {
	if strings.TrimSpace(s) == "" {
		return "is empty (leave the key out for the default \"15:04\")"
	}
	if strings.Contains(s, "%") {
		return fmt.Sprintf("%q looks like a strftime format: use a Go time layout such as \"15:04\" or \"2006-01-02 15:04:05\"", s)
	}
	ref := time.Date(2001, 2, 3, 16, 5, 6, 0, time.UTC)
	if ref.Format(s) == s {
		return fmt.Sprintf("%q holds no Go time layout element: write the reference time, e.g. \"15:04\" for hours:minutes", s)
	}
	return ""
}

// themeColour is one [ui.theme] key: its name, its colour in the built-in
// themes dark (the default), light and mono, and the Theme field.
type themeColour struct {
	name  string
	def   string // dark
	light string
	ptr   func(*Theme) *tcell.Color
}

// themeColours lists the [ui.theme] keys with their defaults.
func themeColours() []themeColour {
	return []themeColour{
		{"background", "default", "default", func(t *Theme) *tcell.Color { return &t.Background }},
		{"foreground", "default", "default", func(t *Theme) *tcell.Color { return &t.Foreground }},
		{"border", "gray", "silver", func(t *Theme) *tcell.Color { return &t.Border }},
		{"status_bg", "navy", "silver", func(t *Theme) *tcell.Color { return &t.StatusBG }},
		{"status_fg", "white", "black", func(t *Theme) *tcell.Color { return &t.StatusFG }},
		{"timestamp", "gray", "gray", func(t *Theme) *tcell.Color { return &t.Timestamp }},
		{"own_message", "teal", "navy", func(t *Theme) *tcell.Color { return &t.OwnMessage }},
		{"info", "gray", "gray", func(t *Theme) *tcell.Color { return &t.Info }},
		{"error", "maroon", "maroon", func(t *Theme) *tcell.Color { return &t.Error }},
		{"highlight", "olive", "purple", func(t *Theme) *tcell.Color { return &t.Highlight }},
		{"roster_group", "purple", "navy", func(t *Theme) *tcell.Color { return &t.RosterGroup }},
		{"roster_online", "green", "green", func(t *Theme) *tcell.Color { return &t.RosterOnline }},
		{"roster_away", "olive", "olive", func(t *Theme) *tcell.Color { return &t.RosterAway }},
		{"roster_dnd", "maroon", "maroon", func(t *Theme) *tcell.Color { return &t.RosterDND }},
		{"roster_offline", "gray", "gray", func(t *Theme) *tcell.Color { return &t.RosterOffline }},
		{"window_activity", "teal", "navy", func(t *Theme) *tcell.Color { return &t.WindowActivity }},
		{"window_highlight", "fuchsia", "maroon", func(t *Theme) *tcell.Color { return &t.WindowHighlight }},
	}
}

// themeFields are the keys of [ui.theme].
func themeFields() []field[Theme] {
	cs := themeColours()
	fs := make([]field[Theme], len(cs), len(cs)+1)
	for i, c := range cs {
		fs[i] = field[Theme]{name: c.name, kind: kString, set: func(l *loader, key string, t *Theme, v any) {
			col, ok := parseColour(v.(string))
			if !ok {
				l.ps.add(key, "%q is not a colour: use a name such as \"teal\", \"default\" (the terminal's own colour) or \"#rrggbb\"", v.(string))
				return
			}
			*c.ptr(t) = col
		}}
	}
	// The built-in theme the colours start from; (*loader).theme reads it
	// before the colours.
	return append(fs, field[Theme]{name: "name", kind: kString, set: func(*loader, string, *Theme, any) {}})
}

// parseColour parses a colour name, "default" or "#rrggbb".
func parseColour(s string) (tcell.Color, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "default" {
		return tcell.ColorDefault, true
	}
	c := tcell.GetColor(s)
	return c, c != tcell.ColorDefault
}
