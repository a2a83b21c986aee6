package ui

import (
	"unicode/utf8"
)

// Readline editing of the input line beyond the basics of input.go: word
// motion and deletion, the kill buffer and yank, transposition, and the
// per-window draft.

// wordLeft returns the start of the word before the cursor (Alt-b).
func (in *inputLine) wordLeft() int {
	i := in.cur
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(in.text[:i])
		if isWordRune(r) {
			break
		}
		i -= n
	}
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(in.text[:i])
		if !isWordRune(r) {
			break
		}
		i -= n
	}
	// Combining marks after the last letter belong to it: the cursor stays
	// on a grapheme boundary because word runes start graphemes here.
	return in.prevBoundary(in.nextBoundary(i))
}

// wordRight returns the end of the word after the cursor (Alt-f).
func (in *inputLine) wordRight() int {
	i := in.cur
	for i < len(in.text) {
		r, n := utf8.DecodeRuneInString(in.text[i:])
		if isWordRune(r) {
			break
		}
		i += n
	}
	for i < len(in.text) {
		r, n := utf8.DecodeRuneInString(in.text[i:])
		if !isWordRune(r) {
			break
		}
		i += n
	}
	if i > 0 && i < len(in.text) {
		// Keep combining marks with their letter.
		i = in.nextBoundary(in.prevBoundary(i))
	}
	return i
}

// kill deletes text[from:to] into the kill buffer (Ctrl-W/U/K, Alt-d,
// Alt-Backspace). Kills in a row add to what the previous kills took, as in
// readline, so that Ctrl-Y yanks them back together.
func (in *inputLine) kill(from, to int) {
	if from >= to {
		return
	}
	cut := in.text[from:to]
	switch {
	case !in.lastKill:
		in.killed = cut
	case from < in.cur: // killing backwards: in front of the earlier kill
		in.killed = cut + in.killed
	default:
		in.killed += cut
	}
	in.killing = true
	in.text = in.text[:from] + in.text[to:]
	if in.cur > from {
		in.cur = from
	}
}

// yank inserts the kill buffer at the cursor (Ctrl-Y).
func (in *inputLine) yank() {
	in.insert(in.killed)
}

// transpose swaps the grapheme before the cursor with the one under it and
// moves forward; at the end of the line it swaps the last two (Ctrl-T).
func (in *inputLine) transpose() {
	if len(in.text) == 0 || in.cur == 0 {
		return
	}
	c := in.cur
	if c == len(in.text) {
		c = in.prevBoundary(c)
		if c == 0 {
			return
		}
	}
	a := in.prevBoundary(c)
	b := in.nextBoundary(c)
	in.text = in.text[:a] + in.text[c:b] + in.text[a:c] + in.text[b:]
	in.cur = b
}

// draft is what a window's input line held when another window was shown.
type draft struct {
	text string
	cur  int
}

// leaveWin keeps the half-typed input of w, which stops being current.
func (u *UI) leaveWin(w *window) {
	u.statesLeave(w) // a spell of typing there pauses (chatstate_out.go)
	in := u.input
	in.cancelSearch()
	w.draft = draft{in.text, in.cur}
	in.histPos, in.draft = len(in.hist), ""
}

// enterWin puts back the input w held when it was left.
func (u *UI) enterWin(w *window) {
	in := u.input
	in.text, in.cur = w.draft.text, min(w.draft.cur, len(w.draft.text))
	w.draft = draft{}
}
