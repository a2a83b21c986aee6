package ui

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"

	"parley/render"
)

// The selection mode: Alt-s puts a cursor on the newest message of the
// window; the arrows, j/k, PgUp/PgDn and Home/End move it (past the top:
// older history); on the selected message r replies, e corrects (ours),
// + reacts, d retracts (ours) or moderates (a room, as moderator), y
// copies its text to the clipboard (OSC 52), o opens its link and s saves
// it (as /url open and /url save; with several links a digit picks one);
// Esc leaves. The letters act
// while the input line is empty: typed after other text, or after "/",
// they are text, so that "/moderate spam" or "/react 👍" act on the
// selection too. The selected line is drawn in reverse video, which reads
// in a monochrome terminal as well.
//
// r, e, +, d (for a moderation or retraction), and o and s on a message
// of several links start an action: the
// input line shows what it will do, Enter does it with the text typed,
// Esc gives it up.

// actKind is an action on the selected message waiting for the input line.
type actKind uint8

const (
	actReply    actKind = iota + 1 // Enter sends the text as a reply
	actCorrect                     // Enter sends the text as a correction
	actReact                       // 1-6 or Enter with an emoji reacts
	actRetract                     // Enter retracts
	actModerate                    // Enter asks the room to remove it, for the reason typed
	actOpen                        // a digit or Enter (the first) opens one of its links (links.go)
	actSave                        // a digit or Enter (the first) saves one of its links
)

// pendingAct is the action started on message e of window w.
type pendingAct struct {
	kind actKind
	w    *window
	e    *entry
	who  string // the author's name, for the prompt
}

// selectKeyName is the key that starts the selection mode.
const selectKeyName = "Alt-s"

// selected returns the selected message of w, nil when there is none (or
// it left the window).
func (u *UI) selected(w *window) *entry {
	if w.sel == nil {
		return nil
	}
	if indexOf(w, w.sel) < 0 {
		w.sel = nil
		return nil
	}
	return w.sel
}

// indexOf is the index of e in w's ring, -1 when it is not there.
func indexOf(w *window, e *entry) int {
	for i := w.buf.len() - 1; i >= 0; i-- {
		if w.buf.at(i) == e {
			return i
		}
	}
	return -1
}

// selectable reports whether w has messages to select (a conversation,
// or the read-only history of a room).
func selectable(w *window) bool {
	return w.kind == winChat || w.kind == winRoom || w.kind == winHistory
}

// startSelect puts the cursor on the newest message of the current window.
func (u *UI) startSelect() {
	w := u.curWin()
	if !selectable(w) {
		u.info(w, true, "no messages to select in this window")
		return
	}
	for i := w.buf.len() - 1; i >= 0; i-- {
		if e := w.buf.at(i); e.isMessage() {
			u.setSel(w, e)
			return
		}
	}
	u.info(w, true, "no message to select in this window")
}

// setSel moves w's selection to e and scrolls it into view.
func (u *UI) setSel(w *window, e *entry) {
	if w.sel != nil {
		w.sel.selected = false
	}
	w.sel = e
	e.selected = true
	u.scrollTo(w, e, false)
}

// leaveSelect ends the selection mode of w (and an action started in it).
func (u *UI) leaveSelect(w *window) {
	if w.sel != nil {
		w.sel.selected = false
		w.sel = nil
	}
	if u.act != nil && u.act.w == w {
		u.act = nil
	}
}

// moveSel moves w's selection by n messages (negative: older); past the
// oldest line loaded it loads older history.
func (u *UI) moveSel(w *window, n int) {
	i := indexOf(w, w.sel)
	if i < 0 {
		u.leaveSelect(w)
		return
	}
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	target := w.sel
	for n > 0 {
		j := i + step
		if j < 0 {
			if !u.loadOlderForSel(w) {
				break
			}
			j = indexOf(w, target) + step
			if j < 0 {
				break
			}
		}
		if j >= w.buf.len() {
			break
		}
		i = j
		if e := w.buf.at(i); e.isMessage() {
			target = e
			n--
		}
	}
	u.setSel(w, target)
}

// loadOlderForSel prepends a page of older history to w for the
// selection; it reports whether anything came.
func (u *UI) loadOlderForSel(w *window) bool {
	if w.hist == nil || w.hist.oldDone || u.opts.History == nil {
		return false
	}
	n := w.buf.len()
	u.loadOlder(w)
	return w.buf.len() > n
}

// pageMessages is how many messages PgUp/PgDn move the selection by: a
// page of rows' worth, counted from the selection.
func (u *UI) pageMessages(w *window, dir int) int {
	width, page := max(u.convo.width, 1), max(u.convo.height-1, 1)
	i := indexOf(w, w.sel)
	n, rows := 0, 0
	for j := i + dir; j >= 0 && j < w.buf.len() && rows < page; j += dir {
		e := w.buf.at(j)
		rows += len(e.wrapped(width))
		if e.isMessage() {
			n++
		}
	}
	return max(n, 1)
}

// selectKey handles the keys of the selection mode and of an action on
// the selection; it reports whether it used the key.
func (u *UI) selectKey(ev *tcell.EventKey) bool {
	if !u.input.HasFocus() || u.input.srch != nil {
		return false
	}
	if a := u.act; a != nil {
		return u.actKey(a, ev)
	}
	w := u.curWin()
	if w.sel == nil {
		return false
	}
	if u.selected(w) == nil {
		return false
	}
	empty := u.input.text == ""
	alt := ev.Modifiers()&(tcell.ModAlt|tcell.ModCtrl) != 0
	switch ev.Key() {
	case tcell.KeyUp:
		u.moveSel(w, -1)
	case tcell.KeyDown:
		u.moveSel(w, 1)
	case tcell.KeyPgUp:
		if alt {
			return false
		}
		u.moveSel(w, -u.pageMessages(w, -1))
	case tcell.KeyPgDn:
		if alt {
			return false
		}
		u.moveSel(w, u.pageMessages(w, 1))
	case tcell.KeyHome:
		if !empty {
			return false
		}
		u.moveSel(w, -w.buf.len())
	case tcell.KeyEnd:
		if !empty {
			return false
		}
		u.moveSel(w, w.buf.len())
	case tcell.KeyEscape:
		u.leaveSelect(w)
	case tcell.KeyRune:
		if !empty || alt {
			return false
		}
		return u.selectRune(w, ev.Rune())
	default:
		return false
	}
	return true
}

// selectRune handles a letter of the selection mode.
func (u *UI) selectRune(w *window, r rune) bool {
	e := w.sel
	var err error
	switch r {
	case 'k':
		u.moveSel(w, -1)
	case 'j':
		u.moveSel(w, 1)
	case 'r':
		if err = canRefer(w, e, false); err == nil {
			u.act = &pendingAct{kind: actReply, w: w, e: e, who: e.text[e.nickStart:e.nickEnd]}
		}
	case 'e':
		if _, err = convWin(w); err == nil && (!e.own() || e.removed()) {
			err = errorf("only your own messages can be corrected")
		}
		if err == nil {
			u.act = &pendingAct{kind: actCorrect, w: w, e: e}
			u.input.set(strings.TrimSuffix(strings.TrimSuffix(e.bodyText(), render.EditedMark), " "))
		}
	case '+':
		if err = canRefer(w, e, false); err == nil {
			u.act = &pendingAct{kind: actReact, w: w, e: e}
		}
	case 'd':
		switch {
		case e.own():
			if err = canRefer(w, e, true); err == nil {
				u.act = &pendingAct{kind: actRetract, w: w, e: e}
			}
		case w.kind == winRoom && isModerator(w):
			if err = canRefer(w, e, false); err == nil {
				u.act = &pendingAct{kind: actModerate, w: w, e: e, who: e.text[e.nickStart:e.nickEnd]}
			}
		case w.kind == winRoom:
			err = errorf("you can remove only your own messages here: you are not a moderator of this room")
		default:
			err = errorf("only your own messages can be retracted")
		}
	case 'y':
		err = u.copyText(e)
	case 'o':
		err = u.selLink(w, e, actOpen) // links.go
	case 's':
		err = u.selLink(w, e, actSave)
	default:
		return false // text: the selection stays for the command typed
	}
	if err != nil {
		u.info(w, true, err.Error())
	}
	return true
}

// actKey handles a key while action a waits: Esc gives it up, Enter does
// it, a digit picks a common emoji for a reaction; other keys edit the
// input line.
func (u *UI) actKey(a *pendingAct, ev *tcell.EventKey) bool {
	w := u.curWin()
	if a.w != w || indexOf(w, a.e) < 0 {
		u.act = nil // its window or its message went
		return false
	}
	switch ev.Key() {
	case tcell.KeyEscape:
		if a.kind == actCorrect {
			u.input.set("")
		}
		u.act = nil
		return true
	case tcell.KeyEnter:
		if ev.Modifiers()&tcell.ModAlt != 0 {
			return false // a line break
		}
		u.runAct(a)
		return true
	case tcell.KeyRune:
		if d := ev.Rune(); a.kind == actReact && u.input.text == "" && d >= '1' && d <= '0'+rune(len(commonEmoji)) {
			u.finishAct(a, u.react(w, a.e, commonEmoji[d-'1']))
			return true
		}
		if d := ev.Rune(); (a.kind == actOpen || a.kind == actSave) && u.input.text == "" && d >= '1' && d <= '9' {
			u.finishAct(a, u.useLink(a, int(d-'0')))
			return true
		}
	}
	return false
}

// runAct does action a with the input line's text.
func (u *UI) runAct(a *pendingAct) {
	in := u.input
	text := in.text
	var err error
	switch a.kind {
	case actReply:
		err = u.reply(a.w, a.e, text)
	case actCorrect:
		err = u.correctLine(a.w, a.e, text)
	case actReact:
		var emoji string
		if emoji, err = parseEmoji(text); err == nil {
			err = u.react(a.w, a.e, emoji)
		}
	case actRetract:
		err = u.retract(a.w, a.e)
	case actModerate:
		err = u.moderate(a.w, a.e, strings.TrimSpace(text))
	case actOpen, actSave:
		n := 1
		if t := strings.TrimSpace(text); t != "" {
			if n, err = strconv.Atoi(t); err != nil {
				err = errorf("a link's number, 1 to %d", len(entryLinks(a.e)))
			}
		}
		if err == nil {
			err = u.useLink(a, n)
		}
	}
	if err == nil && text != "" && (a.kind == actReply || a.kind == actCorrect) {
		in.remember(text)
	}
	u.finishAct(a, err)
}

// finishAct ends action a: on success the input line is emptied and the
// selection mode left; an error is shown and the action waits on.
func (u *UI) finishAct(a *pendingAct, err error) {
	if err != nil {
		u.info(a.w, true, err.Error())
		return
	}
	u.input.set("")
	u.leaveSelect(a.w)
	a.w.scroll = 0
}

// actPrompt is what the input line shows before the text while the
// selection mode or an action is on, "" otherwise.
func (u *UI) actPrompt() string {
	w := u.curWin()
	if a := u.act; a != nil && a.w == w {
		switch a.kind {
		case actReply:
			return "reply to " + a.who + ": "
		case actCorrect:
			return "correct: "
		case actReact:
			var b strings.Builder
			b.WriteString("react")
			for i, e := range commonEmoji {
				b.WriteString(" " + strconv.Itoa(i+1) + e)
			}
			return b.String() + " or :code: "
		case actRetract:
			return "retract? Enter: yes, Esc: no "
		case actModerate:
			return "moderate, reason (optional): "
		case actOpen, actSave:
			verb := "open"
			if a.kind == actSave {
				verb = "save"
			}
			return verb + " link 1-" + strconv.Itoa(min(len(entryLinks(a.e)), 9)) + " (Enter: 1): "
		}
	}
	if w.sel != nil {
		return "select ↑↓ r e + d y o s Esc: "
	}
	return ""
}

// maxCopy bounds the text sent to the clipboard (base64 grows it by a third).
const maxCopy = 64 << 10

// copyText puts the text of e's message on the terminal's clipboard with
// OSC 52 (tmux with set-clipboard passes it on).
func (u *UI) copyText(e *entry) error {
	text := strings.TrimSuffix(strings.TrimSuffix(e.bodyText(), render.EditedMark), " ")
	if len(text) > maxCopy {
		text = text[:maxCopy]
	}
	tty, ok := u.screen.Tty()
	if !ok {
		return errorf("this terminal takes no clipboard sequence")
	}
	seq := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(text)) + "\a"
	if _, err := tty.Write([]byte(seq)); err != nil { // between frames, on the tview goroutine (as alert.go)
		return errorf("copy: %v", err)
	}
	u.info(u.curWin(), false, "copied the message to the clipboard ("+strconv.Itoa(len([]rune(text)))+" characters)")
	return nil
}
