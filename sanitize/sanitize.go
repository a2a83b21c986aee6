// Package sanitize makes untrusted text (message bodies, nicknames, status
// texts, roster names: anything that came from the network) safe to draw on a
// terminal.
//
// Policy, applied by Text and Lines:
//   - Invalid UTF-8 becomes U+FFFD.
//   - Tab becomes one space. In Text, line breaks (LF, CR, CRLF, U+0085,
//     U+2028, U+2029) become one space; Lines splits on them instead.
//   - Every other C0 control, DEL and every C1 control is dropped.
//   - Escape sequences are dropped whole, not just their ESC: CSI
//     (ESC [ ... final, or U+009B ... final), OSC, DCS, SOS, PM and APC strings
//     (up to BEL, ST or the end of the text) and two-byte ESC sequences. So
//     "\x1b[31mred" becomes "red" and "\x1b]0;title\a" disappears.
//   - Bidirectional controls (LRM, RLM, ALM, the embeddings, overrides and
//     isolates U+202A-U+202E, U+2066-U+2069) are dropped: they let a sender
//     reorder what is drawn around them (spoofed senders, hidden text).
//   - Invisible format characters that only serve to hide or split text are
//     dropped: U+200B zero width space, U+2060-U+2064, U+FEFF, U+180E,
//     U+FFF9-U+FFFB, U+00AD soft hyphen, U+034F.
//   - ZWJ (U+200D) and ZWNJ (U+200C) stay: emoji sequences and several
//     scripts (Persian, Indic) need them, and they cannot move text. Variation
//     selectors and tag characters (flag subdivisions) stay too.
//   - Runs of combining marks are capped at MaxMarks per base character so a
//     "zalgo" string cannot grow a cell without bound.
//
// Width: Width and Truncate measure in terminal cells with uniseg, the table
// tview and tcell use, so every part of the UI agrees: emoji and East Asian
// wide characters take two cells.
package sanitize

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// MaxMarks is the largest number of consecutive combining marks kept after
// one base character.
const MaxMarks = 8

// Text returns s made safe for one line of a terminal (see the package
// policy). The result holds no control characters and no escape sequences.
func Text(s string) string {
	if printableASCII(s) {
		return s // the common case: nothing to change, nothing to copy
	}
	var b strings.Builder
	clean(s, func(line string) { b.WriteString(line) }, func() { b.WriteByte(' ') })
	return b.String()
}

// Lines splits an untrusted multi-line body into sanitized lines. CRLF, LF,
// CR and the Unicode line and paragraph separators each end a line. An empty
// body gives one empty line.
func Lines(s string) []string {
	if printableASCII(s) {
		return []string{s}
	}
	var lines []string
	var b strings.Builder
	clean(s, func(part string) { b.WriteString(part) }, func() {
		lines = append(lines, b.String())
		b.Reset()
	})
	return append(lines, b.String())
}

// tagLike matches everything tview's parser could take for a tag (style,
// region or URL tag, or an already escaped one): "[", one or more characters
// other than brackets, any number of "[", then "]". tview.Escape covers only
// a narrower character set and lets "[:::https://x]" through.
var tagLike = regexp.MustCompile(`\[([^\[\]]+\[*)\]`)

// Escape returns Text(s) with every tag-like bracket group escaped the way
// tview expects ("[red]" becomes "[red[]", which tview draws as "[red]"), for
// text that goes through tview's tag parser (TextView, Print, titles).
//
// tview (v0.42) accepts any character, "[" included, in the URL part of a tag,
// so "[:::x[]" is still a URL tag. A group with three or more colons (a
// possible URL tag) therefore gets a zero width joiner after its "[": tview
// no longer parses it as a tag, and the joiner clusters with the bracket, so
// the text looks the same and keeps its width.
func Escape(s string) string {
	return tagLike.ReplaceAllStringFunc(Text(s), func(g string) string {
		inner := g[1 : len(g)-1]
		if strings.Count(inner, ":") >= 3 {
			return "[\u200d" + inner + "[]"
		}
		return "[" + inner + "[]"
	})
}

// Width returns the display width of s in terminal cells.
func Width(s string) int {
	return uniseg.StringWidth(s)
}

// Truncate returns the longest prefix of s, cut on grapheme cluster
// boundaries, that fits in width cells. When s is cut and width allows, the
// last cell holds "…" so that the cut is visible.
func Truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if uniseg.StringWidth(s) <= width {
		return s
	}
	limit := width - 1 // room for the ellipsis
	used, end := 0, 0
	state := -1
	rest := s
	for rest != "" {
		var cluster string
		var w int
		cluster, rest, w, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if used+w > limit {
			break
		}
		used += w
		end += len(cluster)
	}
	return s[:end] + "…"
}

// printableASCII reports whether s holds only printable ASCII (space to
// "~"), which the policy keeps as it is.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// clean walks s, calling emit with runs of safe text and brk at each line
// break.
func clean(s string, emit func(string), brk func()) {
	var run []byte
	marks := 0
	flush := func() {
		if len(run) > 0 {
			emit(string(run))
			run = run[:0]
		}
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			run = utf8.AppendRune(run, utf8.RuneError)
			i++
			marks = 0
			continue
		}
		switch {
		case r == '\r':
			i += size
			if i < len(s) && s[i] == '\n' {
				i++
			}
			flush()
			brk()
			marks = 0
			continue
		case r == '\n' || r == 0x85 || r == 0x2028 || r == 0x2029:
			i += size
			flush()
			brk()
			marks = 0
			continue
		case r == '\t':
			run = append(run, ' ')
			i += size
			marks = 0
			continue
		case r == 0x1b:
			i = skipEscape(s, i+size)
			continue
		case r == 0x9b: // C1 CSI
			i = skipCSI(s, i+size)
			continue
		case r == 0x90 || r == 0x98 || r == 0x9d || r == 0x9e || r == 0x9f: // C1 DCS, SOS, OSC, PM, APC
			i = skipString(s, i+size)
			continue
		case dropped(r):
			i += size
			continue
		case unicode.In(r, unicode.Mn, unicode.Me):
			marks++
			if marks > MaxMarks {
				i += size
				continue
			}
		default:
			marks = 0
		}
		run = append(run, s[i:i+size]...)
		i += size
	}
	flush()
}

// dropped reports whether r is removed outright.
func dropped(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // bidi controls
	case r == 0x200b, r >= 0x2060 && r <= 0x2064, r == 0xfeff, r == 0x180e, r >= 0xfff9 && r <= 0xfffb, r == 0x00ad, r == 0x034f:
		return true // invisible format characters
	}
	return false
}

// skipEscape skips the rest of an escape sequence whose ESC ended at i and
// returns the index after it.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_':
		return skipString(s, i+1)
	}
	// nF sequences: intermediates 0x20-0x2F, then one final byte 0x30-0x7E.
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipCSI skips CSI parameter and intermediate bytes and the final byte.
// A byte outside the CSI grammar ends the sequence without being consumed.
func skipCSI(s string, i int) int {
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipString skips a control string up to and including its terminator: BEL,
// ST (ESC \ or U+009C), or the end of the text.
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i // an ESC that is not ST starts the next sequence
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
		i++
	}
	return i
}
