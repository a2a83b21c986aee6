package config

import (
	"sort"
	"strings"

	"parley/keymap"
)

// maxKeys bounds the [keys] table.
const maxKeys = 500

// keys decodes the [keys] table: each key a chord in the key notation
// (package keymap), each value an action name, a command line ("/wins") or
// "none". Chords given twice (in two spellings) and chords that start
// another bound chord are errors too, at the later key.
func (l *loader) keys(prefix string, m map[string]any) []keymap.Binding {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { // in file order, so that "twice" names the later one
		li, lj := l.ps.lines.line(joinKey(prefix, names[i])), l.ps.lines.line(joinKey(prefix, names[j]))
		if li != lj {
			return li < lj
		}
		return names[i] < names[j]
	})
	if len(names) > maxKeys {
		l.ps.add(prefix, "%d keys: at most %d", len(names), maxKeys)
		return nil
	}
	var bs []keymap.Binding
	var keyOf []string
	for _, name := range names {
		key := joinKey(prefix, name)
		action, ok := m[name].(string)
		if !ok {
			_, desc := kindOf(m[name])
			l.ps.add(key, "must be a string (an action, a /command or \"none\"), not %s", desc)
			continue
		}
		chord, err := keymap.Parse(name)
		if err != nil {
			l.ps.add(key, "%v", err)
			continue
		}
		action = strings.TrimSpace(action)
		switch {
		case len(action) > keymap.MaxCommand:
			l.ps.add(key, "a bound command line is at most %d bytes", keymap.MaxCommand)
			continue
		case strings.ContainsAny(action, "\n\r"):
			l.ps.add(key, "a bound command line is one line")
			continue
		case !keymap.Known(action):
			if s := suggest(action, keymap.Names()); s != "" {
				l.ps.add(key, "unknown action %q (did you mean %s?)", action, s)
			} else {
				l.ps.add(key, "unknown action %q: an action of /help keys, a command line such as \"/wins\", or \"none\"", action)
			}
			continue
		}
		if keymap.IsInput(action) && len(chord) > 1 {
			l.ps.add(key, "%s edits the input line: bind it to one key, not a sequence", action)
			continue
		}
		bs = append(bs, keymap.Binding{Chord: chord, Action: action})
		keyOf = append(keyOf, key)
	}
	_, ps := keymap.Resolve(bs)
	for _, p := range ps {
		l.ps.add(keyOf[p.Index], "%s", p.Msg)
	}
	return bs
}
