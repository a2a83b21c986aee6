// Package links finds the URLs in message text: what the conversation
// pane draws as links (whole, OSC 8 where the terminal has it) and what
// /url lists, opens and saves.
//
// The text is untrusted. A URL found here is made only of printable ASCII
// other than the characters that could end a terminal's OSC 8 sequence or
// a shell word in someone's opener (no control characters, spaces, quotes,
// backslashes or angle brackets), at most MaxURL bytes, and one of the
// schemes parley knows what to do with.
package links

import "strings"

// MaxURL bounds a URL; a longer run of URL characters is not a link.
const MaxURL = 4096

// MaxLinks bounds the links found in one text.
const MaxLinks = 64

// Span is a URL in a text: the bytes [Start, End).
type Span struct {
	Start, End int
}

// schemes are the URL schemes recognised, with what must follow them.
var schemes = [...]string{"https://", "http://", "aesgcm://", "xmpp:", "geo:", "mailto:"}

// Find returns the URLs of text in order, at most MaxLinks. A URL starts
// with a known scheme (case-insensitive) at a word boundary and ends
// before a space or a character no URL holds; trailing punctuation
// (".,;:!?'") and a closing bracket without its opening one inside the URL
// are left out, so "see (https://x.example/a)." finds https://x.example/a.
func Find(text string) []Span {
	var out []Span
	for i := 0; i < len(text) && len(out) < MaxLinks; {
		j := indexScheme(text, i)
		if j < 0 {
			break
		}
		end, ok := urlEnd(text, j)
		if !ok {
			i = j + 1
			continue
		}
		out = append(out, Span{j, end})
		i = end
	}
	return out
}

// URLs returns the URLs of text as strings.
func URLs(text string) []string {
	spans := Find(text)
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = text[s.Start:s.End]
	}
	return out
}

// Valid reports whether s as a whole is a URL Find would recognise (an
// OOB URL from a stanza is checked with it before it is shown or used).
func Valid(s string) bool {
	sp := Find(s)
	return len(sp) == 1 && sp[0].Start == 0 && sp[0].End == len(s)
}

// indexScheme returns the start of the first scheme at or after i that
// begins a word, or -1.
func indexScheme(text string, i int) int {
	for ; i < len(text); i++ {
		c := text[i] | 0x20
		if c != 'h' && c != 'a' && c != 'x' && c != 'g' && c != 'm' {
			continue
		}
		if i > 0 && isWordByte(text[i-1]) {
			continue
		}
		for _, s := range schemes {
			if len(text)-i >= len(s) && strings.EqualFold(text[i:i+len(s)], s) {
				return i
			}
		}
	}
	return -1
}

// isWordByte: a letter, digit or a byte of a multi-byte character (so
// "xhttp://" or "éhttp://" is not a link start).
func isWordByte(c byte) bool {
	return c >= 0x80 || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
}

// urlByte reports whether c may be part of a URL.
func urlByte(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	switch c {
	case '"', '\'', '<', '>', '\\', '^', '`', '{', '|', '}':
		return false
	}
	return true
}

// urlEnd returns the end of the URL starting at i, and whether it is one.
func urlEnd(text string, i int) (int, bool) {
	start := i
	scheme := strings.IndexByte(text[i:], ':') + i + 1
	for i < len(text) && urlByte(text[i]) {
		i++
		if i-start > MaxURL {
			return 0, false
		}
	}
	end := i
	for end > scheme {
		c := text[end-1]
		switch {
		case strings.IndexByte(".,;:!?*", c) >= 0:
			end--
			continue
		case c == ')' || c == ']':
			open := byte('(')
			if c == ']' {
				open = '['
			}
			if strings.Count(text[start:end], string(open)) < strings.Count(text[start:end], string(c)) {
				end--
				continue
			}
		}
		break
	}
	rest := text[scheme:end]
	rest = strings.TrimPrefix(rest, "//")
	if rest == "" || rest[0] == '/' || rest[0] == '?' || rest[0] == '#' {
		return 0, false // no host
	}
	return end, true
}
