package ui

import (
	"strings"
	"unicode"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"
)

// maxHistory is the number of input lines remembered for Up/Down.
const maxHistory = 500

// inputLine is the input widget: one row showing a possibly multi-line text
// (line breaks drawn as "↵"), scrolled horizontally to keep the cursor in
// view, with readline-style editing and a history.
type inputLine struct {
	*tview.Box
	u    *UI
	text string
	cur  int // byte offset of the cursor, on a grapheme boundary

	hist    []string
	histPos int    // len(hist) when not browsing
	draft   string // what was typed before browsing the history

	killed   string   // the kill buffer: what Ctrl-W/U/K, Alt-d, Alt-Backspace took (edit.go)
	killing  bool     // this key killed
	lastKill bool     // the key before killed: kills in a row add up
	srch     *isearch // a Ctrl-R search of the history, or nil (isearch.go)
	ask      *ask     // a question (a password, a confirmation) taking the line, or nil (ask.go)
}

func newInputLine(u *UI) *inputLine {
	return &inputLine{Box: tview.NewBox(), u: u}
}

// set replaces the text and puts the cursor at its end.
func (in *inputLine) set(s string) {
	in.text, in.cur = s, len(s)
}

// insert inserts s at the cursor.
func (in *inputLine) insert(s string) {
	in.text = in.text[:in.cur] + s + in.text[in.cur:]
	in.cur += len(s)
}

// prevBoundary returns the grapheme boundary before byte i.
func (in *inputLine) prevBoundary(i int) int {
	last, pos, state := 0, 0, -1
	s := in.text
	for pos < i && s != "" {
		var g string
		g, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		last = pos
		pos += len(g)
	}
	return last
}

// nextBoundary returns the grapheme boundary after byte i.
func (in *inputLine) nextBoundary(i int) int {
	if i >= len(in.text) {
		return len(in.text)
	}
	g, _, _, _ := uniseg.FirstGraphemeClusterInString(in.text[i:], -1)
	return i + len(g)
}

// wordStart returns the start of the word before the cursor (Ctrl-W).
func (in *inputLine) wordStart() int {
	i := in.cur
	for i > 0 && unicode.IsSpace(rune(in.text[i-1])) {
		i--
	}
	for i > 0 && !unicode.IsSpace(rune(in.text[i-1])) {
		i--
	}
	return i
}

// submit sends the text to the UI and records it in the history.
func (in *inputLine) submit() {
	text := in.text
	in.set("")
	in.draft = ""
	if strings.TrimSpace(text) == "" {
		in.histPos = len(in.hist)
		return
	}
	in.remember(text)
	in.u.submit(text)
}

// remember adds text to the input history; not a stanza typed in an XML
// console that carries a secret (xmlconsole.go).
func (in *inputLine) remember(text string) {
	if in.u.secretXML(text) {
		in.histPos = len(in.hist)
		return
	}
	if len(in.hist) == 0 || in.hist[len(in.hist)-1] != text {
		in.hist = append(in.hist, text)
		if len(in.hist) > maxHistory {
			in.hist = in.hist[len(in.hist)-maxHistory:]
		}
	}
	in.histPos = len(in.hist)
}

// browse moves through the history by d (-1 older, +1 newer).
func (in *inputLine) browse(d int) {
	if in.histPos == len(in.hist) && d < 0 {
		in.draft = in.text
	}
	p := in.histPos + d
	if p < 0 || p > len(in.hist) {
		return
	}
	in.histPos = p
	if p == len(in.hist) {
		in.set(in.draft)
		return
	}
	in.set(in.hist[p])
}

// InputHandler implements tview.Primitive.
func (in *inputLine) InputHandler() func(*tcell.EventKey, func(tview.Primitive)) {
	return in.WrapInputHandler(func(ev *tcell.EventKey, _ func(tview.Primitive)) {
		defer in.u.inputEdited(in.u.curWin(), in.text) // chat states (chatstate_out.go)
		if ev.Key() != tcell.KeyTab {
			in.u.comp.reset()
		}
		in.lastKill, in.killing = in.killing, false
		if in.srch != nil && in.isearchKey(ev) {
			return
		}
		if edit := in.u.inputKey(ev); edit != nil { // the editing actions (keys.go, edit.go)
			edit(in)
			return
		}
		if ev.Key() == tcell.KeyRune && ev.Modifiers()&(tcell.ModAlt|tcell.ModCtrl) == 0 {
			in.insert(string(ev.Rune())) // an Alt or Ctrl chord no binding took is not text
		}
	})
}

// PasteHandler implements tview.Primitive: a bracketed paste is inserted
// whole, line breaks included, so that it is sent as one message.
func (in *inputLine) PasteHandler() func(string, func(tview.Primitive)) {
	return in.WrapPasteHandler(func(text string, _ func(tview.Primitive)) {
		if in.ask != nil { // a question's answer: no chat state, no line breaks (ask.go)
			in.ask.add(text)
			return
		}
		if in.u.formPaste(text) { // into a form field being edited (form.go)
			return
		}
		defer in.u.inputEdited(in.u.curWin(), in.text) // chat states (chatstate_out.go)
		text = strings.ReplaceAll(text, "\r\n", "\n")
		text = strings.ReplaceAll(text, "\r", "\n")
		in.u.comp.reset()
		in.insert(text)
	})
}

// Draw implements tview.Primitive.
func (in *inputLine) Draw(scr tcell.Screen) {
	// Not Box.DrawForSubclass, which blanks the row in the Box's
	// background: blank paints it in the theme's (nothing to do in the
	// default style, which every frame starts from).
	x, y, w, _ := in.GetInnerRect()
	th := in.u.theme
	base := th.base()
	blank(scr, x, y, w, 1, base)
	if a := in.ask; a != nil { // a question (ask.go): its label, the answer (masked), the cursor after it
		nx := put(scr, x, y, w/2, a.label, base.Foreground(th.Info))
		shown := a.shown()
		if room := x + w - nx - 1; uniseg.StringWidth(shown) > room && room > 0 {
			shown = string([]rune(shown)[len([]rune(shown))-room:]) // the end, where the cursor is
		}
		cx := put(scr, nx, y, x+w-nx, shown, base)
		if in.HasFocus() {
			scr.ShowCursor(cx, y)
		}
		return
	}
	p := in.searchPrompt()
	if p == "" {
		p = in.u.actPrompt() // the selection mode (select.go)
	}
	if p != "" {
		nx := put(scr, x, y, w/2, p, base.Foreground(th.Info))
		w -= nx - x
		x = nx
	}
	if w <= 2 {
		return
	}
	type cell struct {
		g   string
		w   int
		nl  bool
		pos int
	}
	var cells []cell
	curCell := -1
	s, pos, state := in.text, 0, -1
	for s != "" {
		if pos == in.cur {
			curCell = len(cells)
		}
		var g string
		var gw int
		g, s, gw, state = uniseg.FirstGraphemeClusterInString(s, state)
		switch {
		case g == "\n":
			cells = append(cells, cell{"↵", 1, true, pos})
		case gw > 0:
			cells = append(cells, cell{g, gw, false, pos})
		}
		pos += len(g)
	}
	if curCell < 0 {
		curCell = len(cells)
	}
	// Scroll so that the cursor is visible, keeping one cell for it.
	start := 0
	width := 0
	for i := curCell - 1; i >= 0; i-- {
		if width+cells[i].w > w-1 {
			start = i + 1
			break
		}
		width += cells[i].w
	}
	col := x
	cx := x
	for i := start; i < len(cells); i++ {
		if i == curCell {
			cx = col
		}
		c := cells[i]
		if col+c.w > x+w {
			break
		}
		st := base
		if c.nl {
			st = base.Foreground(th.Info)
		}
		scr.Put(col, y, c.g, st)
		col += c.w
	}
	if curCell == len(cells) {
		cx = col
	}
	if in.HasFocus() {
		scr.ShowCursor(cx, y)
	}
}
