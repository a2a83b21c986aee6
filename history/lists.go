package history

import (
	"bytes"
	"unicode/utf8"
)

// eachElement calls fn with the raw text of each element of a JSON array
// (already balanced: scanObject checked it), up to max elements. A value
// that is not an array yields nothing.
func eachElement(b []byte, max int, fn func(elem []byte)) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return
	}
	i = skipSpace(b, i+1)
	for n := 0; n < max && i < len(b) && b[i] != ']'; n++ {
		var j int
		switch b[i] {
		case '{', '[':
			var err error
			if j, err = skipNested(b, i); err != nil {
				return
			}
		case '"':
			var err error
			if _, j, _, err = scanString(b, i, nil); err != nil {
				return
			}
		default:
			j = i
			for j < len(b) && b[j] != ',' && b[j] != ']' {
				j++
			}
		}
		fn(b[i:j])
		i = skipSpace(b, j)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
}

// validText returns val as a string, invalid UTF-8 replaced.
func validText(val []byte) string {
	if !utf8.Valid(val) {
		val = bytes.ToValidUTF8(val, []byte("\uFFFD"))
	}
	return string(val)
}

// parseStanzaIDs reads a "sids" array of {"id":…,"by":…} objects; entries
// without an id are skipped.
func parseStanzaIDs(b []byte) []StanzaID {
	var out []StanzaID
	eachElement(b, MaxStanzaIDs, func(e []byte) {
		var s StanzaID
		if scanObject(e, func(key, val []byte, str bool) error {
			if str {
				switch string(key) {
				case "id":
					s.ID = validText(val)
				case "by":
					s.By = validText(val)
				}
			}
			return nil
		}) == nil && s.ID != "" {
			out = append(out, s)
		}
	})
	return out
}

// parseStrings reads an array of strings, skipping other values.
func parseStrings(b []byte, max int) []string {
	var out []string
	eachElement(b, max, func(e []byte) {
		if len(e) == 0 || e[0] != '"' {
			return
		}
		if v, _, _, err := scanString(e, 0, nil); err == nil {
			out = append(out, validText(v))
		}
	})
	if out == nil {
		out = []string{}
	}
	return out
}
