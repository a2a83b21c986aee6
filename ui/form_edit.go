package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/uniseg"

	"parley/forms"
)

// formEdit is the text of a form field being edited (ui/form.go): Enter on
// a text field starts it, Enter (or Tab, or a submit) puts the text back in
// the field, Esc drops it. Multi-line fields take Alt-Enter or Ctrl-J for a
// new line, as the input line does.
type formEdit struct {
	field int    // index in Form.Fields
	text  string // what is typed (never more than maxFormEdit bytes)
	cur   int    // the cursor, a byte offset on a grapheme boundary
	multi bool   // the field holds several lines
}

// maxFormEdit bounds the text of one field being edited: a value of a
// single-valued field, or all the lines of a multi-valued one.
const maxFormEdit = forms.MaxValue

// insert puts s at the cursor, if it fits the bound.
func (e *formEdit) insert(s string) {
	if len(e.text)+len(s) > maxFormEdit {
		return
	}
	e.text = e.text[:e.cur] + s + e.text[e.cur:]
	e.cur += len(s)
}

// prev and next return the grapheme boundaries around the cursor.
func (e *formEdit) prev() int {
	pos, state := 0, -1
	for pos < e.cur {
		g, _, _, st := uniseg.FirstGraphemeClusterInString(e.text[pos:], state)
		state = st
		if pos+len(g) >= e.cur {
			return pos
		}
		pos += len(g)
	}
	return 0
}

func (e *formEdit) next() int {
	if e.cur >= len(e.text) {
		return len(e.text)
	}
	g, _, _, _ := uniseg.FirstGraphemeClusterInString(e.text[e.cur:], -1)
	return e.cur + len(g)
}

// lineStart and lineEnd are the bounds of the cursor's line.
func (e *formEdit) lineStart() int { return strings.LastIndexByte(e.text[:e.cur], '\n') + 1 }

func (e *formEdit) lineEnd() int {
	if i := strings.IndexByte(e.text[e.cur:], '\n'); i >= 0 {
		return e.cur + i
	}
	return len(e.text)
}

// wordStart is where Ctrl-W deletes back to: the start of the word before
// the cursor, and the spaces after it.
func (e *formEdit) wordStart() int {
	i := e.cur
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(e.text[:i])
		if !unicode.IsSpace(r) || r == '\n' {
			break
		}
		i -= n
	}
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(e.text[:i])
		if unicode.IsSpace(r) {
			break
		}
		i -= n
	}
	return i
}

// key applies an editing key. It reports done when the edit ends (Enter
// on a single line: keep; Esc: drop), keep whether the text goes back in
// the field, and whether it took the key at all.
func (e *formEdit) key(ev *tcell.EventKey) (took, done, keep bool) {
	switch ev.Key() {
	case tcell.KeyEnter:
		if ev.Modifiers()&tcell.ModAlt != 0 && e.multi {
			e.insert("\n")
			return true, false, false
		}
		return true, true, true
	case tcell.KeyCtrlJ:
		if e.multi {
			e.insert("\n")
		}
	case tcell.KeyEscape:
		return true, true, false
	case tcell.KeyLeft, tcell.KeyCtrlB:
		e.cur = e.prev()
	case tcell.KeyRight, tcell.KeyCtrlF:
		e.cur = e.next()
	case tcell.KeyHome, tcell.KeyCtrlA:
		e.cur = e.lineStart()
	case tcell.KeyEnd, tcell.KeyCtrlE:
		e.cur = e.lineEnd()
	case tcell.KeyUp:
		if !e.multi || e.lineStart() == 0 {
			return false, false, false
		}
		e.cur = strings.LastIndexByte(e.text[:e.lineStart()-1], '\n') + 1
	case tcell.KeyDown:
		if !e.multi || e.lineEnd() == len(e.text) {
			return false, false, false
		}
		e.cur = e.lineEnd() + 1
	case tcell.KeyBackspace, tcell.KeyBackspace2:
		if e.cur > 0 {
			p := e.prev()
			e.text, e.cur = e.text[:p]+e.text[e.cur:], p
		}
	case tcell.KeyDelete, tcell.KeyCtrlD:
		if e.cur < len(e.text) {
			e.text = e.text[:e.cur] + e.text[e.next():]
		}
	case tcell.KeyCtrlU:
		s := e.lineStart()
		e.text, e.cur = e.text[:s]+e.text[e.cur:], s
	case tcell.KeyCtrlK:
		e.text = e.text[:e.cur] + e.text[e.lineEnd():]
	case tcell.KeyCtrlW:
		s := e.wordStart()
		e.text, e.cur = e.text[:s]+e.text[e.cur:], s
	case tcell.KeyRune:
		if ev.Modifiers()&(tcell.ModAlt|tcell.ModCtrl) != 0 {
			return false, false, false
		}
		r := ev.Rune()
		if r < ' ' || r == utf8.RuneError || unicode.Is(unicode.Cc, r) {
			return true, false, false
		}
		e.insert(string(r))
	default:
		return false, false, false
	}
	return true, false, false
}

// formPaste puts a bracketed paste into the field being edited in the
// current form window, and reports whether there was one. A single-line
// field takes the paste's lines joined by spaces; control characters are
// dropped (the value goes to the server as typed, so it is cleaned here).
func (u *UI) formPaste(text string) bool {
	w := u.curWin()
	if w.kind != winForm || w.form == nil || w.form.edit == nil {
		return false
	}
	e := w.form.edit
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	if !e.multi {
		text = strings.ReplaceAll(text, "\n", " ")
	}
	text = strings.Map(func(r rune) rune {
		if r == '\n' || r >= ' ' && r != utf8.RuneError && !unicode.Is(unicode.Cc, r) {
			return r
		}
		return -1
	}, text)
	if len(e.text)+len(text) > maxFormEdit {
		return true // too long for the field: nothing pasted
	}
	e.insert(text)
	return true
}
