package ui

import "github.com/gdamore/tcell/v2"

// isearch is a reverse incremental search of the input history (Ctrl-R,
// as in readline): typed text narrows the search, Ctrl-R again finds an
// older match, Backspace shortens the query, Esc or Ctrl-G gives the line
// back as it was, and any other key takes the match and then acts as
// usual (Enter sends it, the arrows edit it).
type isearch struct {
	query  string
	at     int // index in hist of the match shown; len(hist): none yet
	failed bool
	orig   draft // the line before the search
}

// startSearch begins a search, or with one running finds an older match.
func (in *inputLine) startSearch() {
	if in.srch == nil {
		in.srch = &isearch{at: len(in.hist), orig: draft{in.text, in.cur}}
		return
	}
	in.findOlder(in.srch.at - 1)
}

// findOlder shows the newest history line at or before index from that
// holds the query; without one the search is marked failed and the line
// stays.
func (in *inputLine) findOlder(from int) {
	s := in.srch
	if s.query == "" {
		return
	}
	for i := min(from, len(in.hist)-1); i >= 0; i-- {
		if j := indexFold(in.hist[i], s.query); j >= 0 {
			s.at, s.failed = i, false
			in.text, in.cur = in.hist[i], j
			return
		}
	}
	s.failed = true
}

// cancelSearch ends a search and puts back the line as it was.
func (in *inputLine) cancelSearch() {
	if in.srch == nil {
		return
	}
	in.text, in.cur = in.srch.orig.text, in.srch.orig.cur
	in.srch = nil
}

// isearchKey handles ev during a search; it reports whether ev was used
// up. A key it does not use ends the search, keeping the match, and is
// then handled as usual.
func (in *inputLine) isearchKey(ev *tcell.EventKey) bool {
	s := in.srch
	switch ev.Key() {
	case tcell.KeyCtrlR:
		in.startSearch()
		return true
	case tcell.KeyEscape, tcell.KeyCtrlG:
		in.cancelSearch()
		return true
	case tcell.KeyBackspace, tcell.KeyBackspace2:
		if s.query != "" {
			s.query = s.query[:len(s.query)-lastRuneLen(s.query)]
			if s.query == "" {
				s.at, s.failed = len(in.hist), false
				in.text, in.cur = s.orig.text, s.orig.cur
				return true
			}
			in.findOlder(len(in.hist) - 1)
		}
		return true
	case tcell.KeyRune:
		if ev.Modifiers()&(tcell.ModAlt|tcell.ModCtrl) == 0 {
			s.query += string(ev.Rune())
			in.findOlder(s.at)
			return true
		}
	}
	in.srch = nil // accept the match; the key acts on it
	return false
}

// lastRuneLen returns the byte length of the last rune of s.
func lastRuneLen(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i]&0xC0 != 0x80 {
			return len(s) - i
		}
	}
	return len(s)
}

// searchPrompt is what the input line shows before the text during a
// search.
func (in *inputLine) searchPrompt() string {
	if in.srch == nil {
		return ""
	}
	p := "(reverse-i-search)'"
	if in.srch.failed {
		p = "(failed reverse-i-search)'"
	}
	return p + in.srch.query + "': "
}
