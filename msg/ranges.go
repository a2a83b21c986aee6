package msg

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// StripRanges returns s without the code point ranges rs (see Range). Ranges
// are clamped to s; empty, inverted and overlapping ranges are harmless.
func StripRanges(s string, rs []Range) string { return selectRanges(s, rs, false) }

// KeepRanges returns only the code point ranges rs of s, in order (the
// text StripRanges removes), clamped like StripRanges.
func KeepRanges(s string, rs []Range) string { return selectRanges(s, rs, true) }

// selectRanges keeps what is outside rs (inside false) or inside it.
func selectRanges(s string, rs []Range, inside bool) string {
	if len(rs) == 0 || s == "" {
		if inside {
			return ""
		}
		return s
	}
	sorted := make([]Range, 0, len(rs))
	for _, r := range rs {
		if r.Start < 0 {
			r.Start = 0
		}
		if r.End > r.Start {
			sorted = append(sorted, r)
		}
	}
	if len(sorted) == 0 {
		if inside {
			return ""
		}
		return s
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	var b strings.Builder
	b.Grow(len(s))
	k, cp := 0, 0 // next range, current code point index
	for i := 0; i < len(s); cp++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		for k < len(sorted) && sorted[k].End <= cp {
			k++
		}
		if out := k >= len(sorted) || cp < sorted[k].Start; out != inside {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// RuneLen is the length of s in code points, the unit of a Range.
func RuneLen(s string) int { return utf8.RuneCountInString(s) }
