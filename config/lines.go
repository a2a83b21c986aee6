package config

import (
	"fmt"
	"strings"
)

// lineIndex maps canonical key paths to the line where they are written.
// A canonical path joins keys with dots and numbers array-of-tables elements
// from 1: "history_dir", "ui", "ui.theme.error", "account[2]",
// "account[2].jid". The path of a table is the line of its header.
//
// BurntSushi/toml keeps key positions to itself (and only one per key name,
// so not per [[account]] element), hence this small scanner. It runs only on
// text that toml has already parsed, so it is lenient: on anything it does
// not understand it moves on to the next line rather than failing.
type lineIndex map[string]int

// line returns the line of key, or of its nearest enclosing table, or 0.
func (li lineIndex) line(key string) int {
	for key != "" {
		if n, ok := li[key]; ok {
			return n
		}
		key = parentKey(key)
	}
	return 0
}

// parentKey strips the last component of a canonical key path:
// "account[2].jid" → "account[2]" → "account" → "".
func parentKey(key string) string {
	if strings.HasSuffix(key, "]") {
		if i := strings.LastIndexByte(key, '['); i > 0 {
			return key[:i]
		}
	}
	inQuote := false
	cut := -1
	for i := 0; i < len(key); i++ {
		switch key[i] {
		case '"':
			inQuote = !inQuote
		case '\\':
			if inQuote {
				i++
			}
		case '.':
			if !inQuote {
				cut = i
			}
		}
	}
	if cut < 0 {
		return ""
	}
	return key[:cut]
}

// joinKey appends one key component to a canonical path, quoting it the way
// TOML would when it is not a bare key.
func joinKey(prefix, name string) string {
	if !isBareKey(name) {
		name = fmt.Sprintf("%q", name)
	}
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func isBareKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// scanner walks TOML text recording where keys are.
type scanner struct {
	s      string
	pos    int
	line   int
	index  lineIndex
	counts map[string]int // array-of-tables path → elements seen so far
	onKey  func(key string, line int)
}

// indexLines returns the line index of TOML text.
func indexLines(text string) lineIndex {
	sc := &scanner{s: text, line: 1, index: lineIndex{}, counts: map[string]int{}}
	sc.document()
	return sc.index
}

// keysOnLine returns the canonical paths of the keys written on a line of
// TOML text, repeated keys included.
func keysOnLine(text string, line int) []string {
	var keys []string
	sc := &scanner{s: text, line: 1, index: lineIndex{}, counts: map[string]int{}, onKey: func(k string, n int) {
		if n == line {
			keys = append(keys, k)
		}
	}}
	sc.document()
	return keys
}

// record notes that key is written on line; the index keeps the first line.
func (sc *scanner) record(key string, line int) {
	if _, seen := sc.index[key]; !seen {
		sc.index[key] = line
	}
	if sc.onKey != nil {
		sc.onKey(key, line)
	}
}

func (sc *scanner) eof() bool { return sc.pos >= len(sc.s) }

func (sc *scanner) peek() byte {
	if sc.eof() {
		return 0
	}
	return sc.s[sc.pos]
}

// skipSpace skips blanks and, when newlines is set, newlines and comments.
func (sc *scanner) skipSpace(newlines bool) {
	for !sc.eof() {
		switch c := sc.s[sc.pos]; {
		case c == ' ' || c == '\t' || c == '\r':
			sc.pos++
		case c == '\n' && newlines:
			sc.pos++
			sc.line++
		case c == '#' && newlines:
			sc.skipLine()
		default:
			return
		}
	}
}

// skipLine moves to the start of the next line.
func (sc *scanner) skipLine() {
	for !sc.eof() && sc.s[sc.pos] != '\n' {
		sc.pos++
	}
	if !sc.eof() {
		sc.pos++
		sc.line++
	}
}

// document scans headers and key/value lines to the end of the text.
func (sc *scanner) document() {
	table := ""
	for {
		sc.skipSpace(true)
		if sc.eof() {
			return
		}
		start := sc.pos
		if sc.peek() == '[' {
			table = sc.header()
		} else {
			sc.keyValue(table)
			sc.skipSpace(false)
			if sc.peek() == '#' {
				sc.skipLine()
			}
		}
		if sc.pos == start { // not understood: never loop in place
			sc.skipLine()
		}
	}
}

// header scans [a.b] or [[a.b]] and returns the canonical path of the table.
func (sc *scanner) header() string {
	line := sc.line
	sc.pos++
	double := sc.peek() == '['
	if double {
		sc.pos++
	}
	parts := sc.key()
	canon := ""
	for i, p := range parts {
		canon = joinKey(canon, p)
		if i == len(parts)-1 && double {
			sc.record(canon, line) // the array itself, at its first element
			sc.counts[canon]++
			canon = fmt.Sprintf("%s[%d]", canon, sc.counts[canon])
		} else if n, ok := sc.counts[canon]; ok {
			canon = fmt.Sprintf("%s[%d]", canon, n)
		}
		sc.record(canon, line)
	}
	sc.skipLine()
	return canon
}

// key scans a possibly dotted, possibly quoted key.
func (sc *scanner) key() []string {
	var parts []string
	for {
		sc.skipSpace(false)
		switch c := sc.peek(); {
		case c == '"' || c == '\'':
			parts = append(parts, sc.quoted(c))
		default:
			start := sc.pos
			for !sc.eof() && isBareKey(sc.s[sc.pos:sc.pos+1]) {
				sc.pos++
			}
			if sc.pos == start {
				return parts
			}
			parts = append(parts, sc.s[start:sc.pos])
		}
		sc.skipSpace(false)
		if sc.peek() != '.' {
			return parts
		}
		sc.pos++
	}
}

// quoted scans a one-line basic or literal string and returns its content
// (escapes in basic strings are kept as written, which is all a key path
// needs for the keys parley knows).
func (sc *scanner) quoted(q byte) string {
	sc.pos++
	var b strings.Builder
	for !sc.eof() && sc.s[sc.pos] != q && sc.s[sc.pos] != '\n' {
		if q == '"' && sc.s[sc.pos] == '\\' && sc.pos+1 < len(sc.s) {
			b.WriteByte(sc.s[sc.pos])
			sc.pos++
		}
		b.WriteByte(sc.s[sc.pos])
		sc.pos++
	}
	if sc.peek() == q {
		sc.pos++
	}
	return b.String()
}

// keyValue scans "key = value" inside table and records the key's line.
func (sc *scanner) keyValue(table string) {
	line := sc.line
	parts := sc.key()
	if len(parts) == 0 {
		return
	}
	canon := table
	for _, p := range parts {
		canon = joinKey(canon, p)
		sc.record(canon, line)
	}
	sc.skipSpace(false)
	if sc.peek() != '=' {
		return
	}
	sc.pos++
	sc.skipSpace(false)
	sc.value(canon)
}

// value skips one value; keys of inline tables are recorded under path.
func (sc *scanner) value(path string) {
	switch c := sc.peek(); c {
	case '"', '\'':
		if strings.HasPrefix(sc.s[sc.pos:], strings.Repeat(string(c), 3)) {
			sc.multiline(c)
		} else {
			sc.quoted(c)
		}
	case '[':
		sc.list(']', func() { sc.value(path) })
	case '{':
		sc.list('}', func() { sc.keyValue(path) })
	default: // number, boolean, date: up to a delimiter
		for !sc.eof() && !strings.ContainsRune(",]}#\n", rune(sc.s[sc.pos])) {
			sc.pos++
		}
	}
}

// list skips an array or inline table, from its opening bracket up to
// close, reading each item with item.
func (sc *scanner) list(close byte, item func()) {
	sc.pos++
	for {
		sc.skipSpace(true)
		if sc.eof() || sc.peek() == close {
			break
		}
		start := sc.pos
		item()
		sc.skipSpace(true)
		if sc.peek() == ',' {
			sc.pos++
		} else if sc.pos == start {
			break
		}
	}
	if sc.peek() == close {
		sc.pos++
	}
}

// multiline skips a multi-line string (basic or literal), counting its lines.
func (sc *scanner) multiline(q byte) {
	delim := strings.Repeat(string(q), 3)
	sc.pos += 3
	for !sc.eof() {
		if q == '"' && sc.s[sc.pos] == '\\' {
			sc.pos++
			if !sc.eof() && sc.s[sc.pos] == '\n' {
				sc.line++
			}
			sc.pos++
			continue
		}
		if strings.HasPrefix(sc.s[sc.pos:], delim) {
			sc.pos += 3
			for sc.peek() == q { // up to two quotes may close the content
				sc.pos++
			}
			return
		}
		if sc.s[sc.pos] == '\n' {
			sc.line++
		}
		sc.pos++
	}
}
