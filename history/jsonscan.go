package history

import (
	"encoding/json"
	"unicode/utf16"
	"unicode/utf8"
)

// scanObject walks a JSON object and calls fn for each member whose value is a
// string (str true, val unescaped) or a number/true/false/null (str false,
// val the literal). A nested object or array is passed whole (str false, val
// its raw text, already checked for balance), for the caller to read or
// ignore, so later versions may add them. val slices stay valid until scanObject returns. It is written
// for speed on history lines, does not allocate when strings have no escapes,
// and rejects anything that is not a single well-formed JSON object.
func scanObject(b []byte, fn func(key, val []byte, str bool) error) error {
	var scratch []byte
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errMalformed
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		if skipSpace(b, i+1) != len(b) {
			return errMalformed
		}
		return nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return errMalformed
		}
		var key []byte
		var err error
		key, i, scratch, err = scanString(b, i, scratch)
		if err != nil {
			return err
		}
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ':' {
			return errMalformed
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return errMalformed
		}
		switch c := b[i]; {
		case c == '"':
			var val []byte
			val, i, scratch, err = scanString(b, i, scratch)
			if err != nil {
				return err
			}
			if err := fn(key, val, true); err != nil {
				return err
			}
		case c == '{' || c == '[':
			j, err := skipNested(b, i)
			if err != nil {
				return err
			}
			if !json.Valid(b[i:j]) {
				return errMalformed
			}
			if err := fn(key, b[i:j], false); err != nil {
				return err
			}
			i = j
		default:
			j := i
			for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ' ' && b[j] != '\t' && b[j] != '\r' && b[j] != '\n' {
				j++
			}
			lit := b[i:j]
			if !validLiteral(lit) {
				return errMalformed
			}
			if err := fn(key, lit, false); err != nil {
				return err
			}
			i = j
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return errMalformed
		}
		if b[i] == '}' {
			if skipSpace(b, i+1) != len(b) {
				return errMalformed
			}
			return nil
		}
		if b[i] != ',' {
			return errMalformed
		}
		i = skipSpace(b, i+1)
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// validLiteral accepts true, false, null and JSON numbers.
func validLiteral(l []byte) bool {
	switch string(l) {
	case "true", "false", "null":
		return true
	}
	i := 0
	if i < len(l) && l[i] == '-' {
		i++
	}
	start := i
	for i < len(l) && l[i] >= '0' && l[i] <= '9' {
		i++
	}
	if i == start || (l[start] == '0' && i-start > 1) {
		return false
	}
	if i < len(l) && l[i] == '.' {
		i++
		s := i
		for i < len(l) && l[i] >= '0' && l[i] <= '9' {
			i++
		}
		if i == s {
			return false
		}
	}
	if i < len(l) && (l[i] == 'e' || l[i] == 'E') {
		i++
		if i < len(l) && (l[i] == '+' || l[i] == '-') {
			i++
		}
		s := i
		for i < len(l) && l[i] >= '0' && l[i] <= '9' {
			i++
		}
		if i == s {
			return false
		}
	}
	return i == len(l)
}

// scanString reads the string starting at b[i] == '"'. It returns the
// unescaped content (a sub-slice of b when there is no escape, else a slice of
// scratch, which only grows) and the index after the closing quote.
func scanString(b []byte, i int, scratch []byte) (val []byte, next int, _ []byte, err error) {
	i++
	start := i
	for i < len(b) {
		c := b[i]
		if c == '"' {
			return b[start:i], i + 1, scratch, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return nil, 0, scratch, errMalformed
		}
		i++
	}
	if i >= len(b) {
		return nil, 0, scratch, errMalformed
	}
	// Slow path: escapes.
	s0 := len(scratch)
	scratch = append(scratch, b[start:i]...)
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			return scratch[s0:len(scratch):len(scratch)], i + 1, scratch, nil
		case c < 0x20:
			return nil, 0, scratch, errMalformed
		case c != '\\':
			scratch = append(scratch, c)
			i++
			continue
		}
		if i+1 >= len(b) {
			return nil, 0, scratch, errMalformed
		}
		e := b[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			scratch = append(scratch, e)
		case 'b':
			scratch = append(scratch, '\b')
		case 'f':
			scratch = append(scratch, '\f')
		case 'n':
			scratch = append(scratch, '\n')
		case 'r':
			scratch = append(scratch, '\r')
		case 't':
			scratch = append(scratch, '\t')
		case 'u':
			r, ok := hex4(b, i)
			if !ok {
				return nil, 0, scratch, errMalformed
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok2 := rune(0), false
				if i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
					r2, ok2 = hex4(b, i+2)
				}
				if d := utf16.DecodeRune(r, r2); ok2 && d != utf8.RuneError {
					r = d
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			scratch = utf8.AppendRune(scratch, r)
		default:
			return nil, 0, scratch, errMalformed
		}
	}
	return nil, 0, scratch, errMalformed
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// skipNested skips the object or array starting at b[i], strings included.
func skipNested(b []byte, i int) (int, error) {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '{', '[':
			depth++
			if depth > 64 {
				return 0, errMalformed
			}
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		case '"':
			var err error
			_, i, _, err = scanString(b, i, nil)
			if err != nil {
				return 0, err
			}
			continue
		}
		i++
	}
	return 0, errMalformed
}
