package ui

import (
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/uniseg"
)

// ask is a question the input line asks before going back to its text:
// a password (secret: drawn as one * per character) or a confirmation.
// While it is open it takes every key (no global key, no completion, no
// chat state, no history): Enter answers, Esc or Ctrl-G cancels,
// Backspace, Ctrl-W and Ctrl-U edit. What was typed never enters the input
// history or the kill buffer.
type ask struct {
	label  string // shown before the answer, in the info colour
	secret bool
	answer string
	saved  draft             // the input line before the question
	done   func(text string) // called with the answer on Enter, on the tview goroutine
	cancel func()            // called on Esc; may be nil
}

// maxAnswer bounds an answer typed or pasted into a question.
const maxAnswer = 4 << 10

// askLine opens a question on the input line; a question already open is
// cancelled first.
func (u *UI) askLine(label string, secret bool, done func(string), cancel func()) {
	in := u.input
	if in.ask != nil {
		u.cancelAsk()
	}
	in.srch = nil
	in.ask = &ask{label: label, secret: secret, saved: draft{in.text, in.cur}, done: done, cancel: cancel}
	in.text, in.cur = "", 0
}

// closeAsk ends the question and gives the input line its text back.
func (u *UI) closeAsk() *ask {
	in := u.input
	a := in.ask
	in.ask = nil
	in.text, in.cur = a.saved.text, a.saved.cur
	return a
}

// cancelAsk cancels the open question.
func (u *UI) cancelAsk() {
	if a := u.closeAsk(); a.cancel != nil {
		a.cancel()
	}
}

// askKey handles a key while a question is open.
func (u *UI) askKey(ev *tcell.EventKey) {
	a := u.input.ask
	switch ev.Key() {
	case tcell.KeyEnter:
		answer := a.answer
		a.answer = ""
		u.closeAsk()
		a.done(answer)
	case tcell.KeyEscape, tcell.KeyCtrlG, tcell.KeyCtrlC:
		u.cancelAsk()
	case tcell.KeyBackspace, tcell.KeyBackspace2, tcell.KeyCtrlH:
		a.answer = dropLastGrapheme(a.answer)
	case tcell.KeyCtrlU:
		a.answer = ""
	case tcell.KeyCtrlW:
		s := strings.TrimRight(a.answer, " ")
		a.answer = s[:strings.LastIndexByte(s, ' ')+1]
	case tcell.KeyRune:
		if ev.Modifiers()&(tcell.ModAlt|tcell.ModCtrl) == 0 {
			a.add(string(ev.Rune()))
		}
	}
}

// add appends typed or pasted text, without line breaks or other control
// characters, within maxAnswer.
func (a *ask) add(s string) {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return -1
		}
		return r
	}, s)
	if len(a.answer)+len(s) <= maxAnswer {
		a.answer += s
	}
}

// shown is what the input line draws of the answer.
func (a *ask) shown() string {
	if !a.secret {
		return a.answer
	}
	return strings.Repeat("*", uniseg.GraphemeClusterCount(a.answer))
}

// dropLastGrapheme removes the last grapheme cluster of s.
func dropLastGrapheme(s string) string {
	last, pos, state := 0, 0, -1
	rest := s
	for rest != "" {
		var g string
		g, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		last = pos
		pos += len(g)
	}
	return s[:last]
}
