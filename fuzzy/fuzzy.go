// Package fuzzy ranks names against a short typed query, as the quick
// finder (Ctrl-K) does: the query's characters must appear in the name in
// order, case folded; matches at the start of the name or of a word, and
// runs of consecutive characters, rank higher, gaps and long names lower.
//
// Names come from the network (roster names, room names, JIDs): Score
// looks at no more than MaxName runes of one and MaxQuery of a query, so a
// hostile name costs a bounded time.
package fuzzy

import (
	"unicode"
	"unicode/utf8"
)

// MaxName bounds the runes of a name that are matched.
const MaxName = 256

// MaxQuery bounds the runes of a query that are matched.
const MaxQuery = 64

// The parts of a score.
const (
	perRune   = 16 // each query character matched
	wordStart = 10 // matched at the start of a word
	nameStart = 8  // the first character matched at the name's start
	adjacent  = 14 // matched right after the previous one
	gapCost   = 1  // per name character skipped between two matches
	maxGap    = 8  // at most this much lost to one gap
)

// Score reports whether query matches name and how well (higher is
// better). An empty query matches every name with score 0.
func Score(query, name string) (int, bool) {
	q := fold(query, MaxQuery)
	if len(q) == 0 {
		return 0, true
	}
	n := fold(name, MaxName)
	best, found := 0, false
	// Try each place the first query character matches: the greedy walk
	// from there, and keep the best.
	for s := range n {
		if n[s] != q[0] {
			continue
		}
		sc, ok := walk(q, n, s)
		if ok && (!found || sc > best) {
			best, found = sc, true
		}
	}
	if !found {
		return 0, false
	}
	return best - len(n)/8, true // among equals, the shorter name
}

// walk matches q in n greedily from n[s] = q[0], preferring for each next
// character a word start or the adjacent position.
func walk(q, n []rune, s int) (int, bool) {
	score := perRune + bonus(n, s)
	if s == 0 {
		score += nameStart
	}
	prev := s
	for _, r := range q[1:] {
		next := -1
		for i := prev + 1; i < len(n); i++ {
			if n[i] != r {
				continue
			}
			if next < 0 {
				next = i
			}
			if i == prev+1 || isWordStart(n, i) {
				next = i
				break
			}
		}
		if next < 0 {
			return 0, false
		}
		score += perRune + bonus(n, next)
		if next == prev+1 {
			score += adjacent
		} else {
			score -= min((next-prev-1)*gapCost, maxGap)
		}
		prev = next
	}
	return score, true
}

// bonus is the score added for a match at n[i].
func bonus(n []rune, i int) int {
	if isWordStart(n, i) {
		return wordStart
	}
	return 0
}

// isWordStart reports whether n[i] starts a word: the first rune, or a
// letter or digit after one that is neither.
func isWordStart(n []rune, i int) bool {
	if i == 0 {
		return true
	}
	return isWord(n[i]) && !isWord(n[i-1])
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// fold returns the first max runes of s, lower-cased (invalid UTF-8 is
// U+FFFD, which a query can match only as itself).
func fold(s string, max int) []rune {
	out := make([]rune, 0, min(utf8.RuneCountInString(s), max))
	for _, r := range s {
		if len(out) == max {
			break
		}
		out = append(out, unicode.ToLower(r))
	}
	return out
}
