package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxSpeakers is how many recent speakers a room remembers for completion.
const maxSpeakers = 64

// mentionsNick reports whether any of the (sanitized) lines names nick as a
// word: case-insensitively, and not inside a longer word ("al" is not
// mentioned by "alice", "bob" is by "bob: hi" and "@bob,").
func mentionsNick(lines []string, nick string) bool {
	if nick == "" {
		return false
	}
	for _, l := range lines {
		if containsWord(l, nick) {
			return true
		}
	}
	return false
}

// containsWord reports whether s contains word, compared with Unicode simple
// case folding, with no letter, digit or underscore right before or after it.
func containsWord(s, word string) bool {
	prev := rune(' ')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(prev) || !isWordRune(firstRune(word)) {
			if n, ok := foldPrefix(s[i:], word); ok {
				next, _ := utf8.DecodeRuneInString(s[i+n:])
				if i+n == len(s) || !isWordRune(next) || !isWordRune(lastRune(word)) {
					return true
				}
			}
		}
		prev = r
		i += size
	}
	return false
}

// foldPrefix reports whether s starts with prefix under simple case folding,
// and how many bytes of s that prefix takes.
func foldPrefix(s, prefix string) (int, bool) {
	n := 0
	for _, pr := range prefix {
		if n >= len(s) {
			return 0, false
		}
		sr, size := utf8.DecodeRuneInString(s[n:])
		if sr != pr && !foldEqual(sr, pr) {
			return 0, false
		}
		n += size
	}
	return n, true
}

// foldEqual reports whether a and b are the same letter under simple case
// folding.
func foldEqual(a, b rune) bool {
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// spoke records nick as the most recent speaker of a room.
func (rs *roomState) spoke(nick string) {
	if nick == "" {
		return
	}
	for i, s := range rs.speakers {
		if s == nick {
			copy(rs.speakers[1:i+1], rs.speakers[:i])
			rs.speakers[0] = nick
			return
		}
	}
	if len(rs.speakers) < maxSpeakers {
		rs.speakers = append(rs.speakers, "")
	}
	copy(rs.speakers[1:], rs.speakers)
	rs.speakers[0] = nick
}

// nickCandidates returns the nicks of the room's occupants (sanitized),
// recent speakers first and then the others in the occupant order, without
// our own nick, keeping those that start with prefix (case-insensitively).
func (rs *roomState) nickCandidates(prefix string) []string {
	seen := make(map[string]bool)
	var out []string
	consider := func(nick string) {
		if nick == rs.nick || seen[nick] {
			return
		}
		if _, present := rs.occ.Get(nick); !present {
			return
		}
		seen[nick] = true
		clean := cleanName(nick)
		if _, ok := foldPrefix(clean, prefix); ok && clean != "" {
			out = append(out, clean)
		}
	}
	for _, s := range rs.speakers {
		consider(s)
	}
	for i := range rs.occ.Len() {
		consider(rs.occ.At(i).Nick)
	}
	return out
}

// completeNick completes the nick before the cursor in a room window: at the
// start of the line as "nick: ", elsewhere as "nick"; repeated Tabs cycle
// through the candidates (see complete).
func (u *UI) completeNick(rs *roomState, before, after string) {
	start := strings.LastIndexAny(before, " \n") + 1
	cands := rs.nickCandidates(before[start:])
	if len(cands) == 0 {
		return
	}
	suffix := ""
	if start == 0 {
		suffix = ": "
	} else if !strings.HasPrefix(after, " ") {
		suffix = " "
	}
	for i := range cands {
		cands[i] += suffix
	}
	u.startCompletion(before[:start], cands, after)
}
