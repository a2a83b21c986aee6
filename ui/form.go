package ui

import (
	"context"
	"slices"
	"strconv"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/forms"
	"parley/sanitize"
)

// The form window: one reusable window for XEP-0004 data forms (ad-hoc
// commands, room configuration, registration). It shows a form's title,
// instructions and fields (hidden ones not), the notes of the page (an
// ad-hoc command's), the validation problems next to their fields, and a
// row of buttons; it is driven by the keyboard only:
//
//	Tab, Shift-Tab     next / previous field (or button)
//	Up, Down           next / previous line: a list's options one by one
//	PgUp, PgDn         a page of lines up / down
//	Enter              edit a text field; toggle a boolean or an option;
//	                   press a button
//	Space              toggle a boolean or an option (list-single: choose it)
//	a letter           starts editing a text field with it
//	Ctrl-S             submit (the default button: Submit, an ad-hoc Next
//	                   or Complete)
//	Esc                cancel (an edit first: drop what was typed)
//	/                  when not editing: a command in the input line
//
// While a field is edited: Enter keeps the text (Alt-Enter or Ctrl-J: a
// new line in a multi-line field), Esc drops it, Tab keeps it and moves on,
// the usual line keys (Left, Right, Home, End, Ctrl-A, Ctrl-E, Ctrl-U,
// Ctrl-K, Ctrl-W, Backspace, Delete) edit. While the input line holds text
// the form takes no key but Ctrl-S: the input line has them.
//
// Everything a form holds is untrusted and was bounded by forms.Parse; it
// is sanitized when drawn. Closing the window (/close, Esc, Cancel) before
// a submission went through calls the cancel function.

// formKeysHelp is the /help keys line of the form window's keys.
const formKeysHelp = "a form window (/command, /configure, /join -configure), with the input line empty: Tab/Shift-Tab next/previous field, Up/Down next/previous line (a list's options), Enter edits a text field, toggles, or presses a button, Space toggles, Ctrl-S submits, Esc cancels, / types a command; while editing: Enter keeps, Alt-Enter a new line, Esc drops, Tab keeps and moves on"

// winForm is the kind of a form window, numbered apart from the other
// kinds' lists.
const winForm winKind = 96

// Form actions (the buttons' names). An ad-hoc command adds "prev",
// "next" and "complete" (XEP-0050 §6.3); any other name submits.
const (
	formSubmit = "submit" // validate, then submit
	formCancel = "cancel" // close the window, calling cancel
	formClose  = "close"  // close the window (a result shown): no cancel
	formPrev   = "prev"   // submitted without validation (an ad-hoc step back)
)

// formAction is one button of a form page.
type formAction struct {
	name  string // what the submit function is told
	label string // drawn on the button
}

// formNote is a line shown above a page's form: an ad-hoc command's
// <note/>. Its text is sanitized when drawn.
type formNote struct {
	kind string // "info", "warn" or "error"
	text string
}

// formPage is what a form window shows: one stage of an ad-hoc command,
// a room's configuration form, a registration form.
type formPage struct {
	title   string      // the window's name and title ("" : the form's title); untrusted is fine
	form    *forms.Form // nil: a page of notes only; the window edits a copy
	notes   []formNote
	actions []formAction // the buttons; nil: Submit and Cancel, or Close for a page with nothing to fill in
	deflt   string       // the action Ctrl-S runs ("": the first that is not prev, cancel or close)
}

// formSubmitFunc is called off the tview goroutine, when a button other
// than Cancel and Close is pressed, with the button's action and a copy
// of the form as filled in (validated, but for formPrev; nil on a page
// without a form). It may wait on the network (ctx ends with the UI). It
// returns the next page to show in the same window, or nil to close it;
// an error is shown in the window, whose form stays as it was.
type formSubmitFunc func(ctx context.Context, action string, f *forms.Form) (*formPage, error)

// formState is the state of a form window.
type formState struct {
	page    *formPage
	form    *forms.Form // the copy being filled in (never nil: empty for a notes page)
	submit  formSubmitFunc
	cancel  func()         // called once on the tview goroutine when the window is cancelled or closed before done; may be nil
	stops   []formStop     // the places the selection can be, in order
	first   []int          // per field, the index in stops of its first stop, -1 for none
	labMax  int            // the widest field label, in cells
	blocks  [][]formLine   // per field, its lines laid out unselected (nil: to lay out again); form_draw.go
	blockW  int            // the width blocks were laid out for
	nlines  int            // lines of the last layout, to size the next
	lastH   int            // the height drawn last: a new one brings the selection back in view
	sel     int            // index in stops
	follow  bool           // the selection moved: scroll it into view at the next draw
	top     int            // the first line drawn
	probs   map[int]string // validation problems by field index, sanitized
	edit    *formEdit      // the field being edited, or nil
	busy    bool           // a submission is under way
	status  string         // a line under the buttons (an error from submit), sanitized
	statErr bool
	done    bool // submitted to the end or cancelled: closing calls no cancel
	cursor  struct {
		x, y int
		on   bool
	} // where the editing cursor was drawn (shown after the input line's)
}

// formStop is one place of the selection: a field (opt -1), an option of
// a list field, or a button (field -1).
type formStop struct {
	field, opt, button int
}

// openForm opens a form window for account a (nil for none) with form f,
// titled title (its own title when ""), with Submit and Cancel buttons,
// and makes it current. It is the simple entry point for code that shows
// one form and sends it:
//
//   - submit is called off the tview goroutine with a copy of the form as
//     filled in and validated (f.Submit() of it is what to send); it may
//     wait on the network. Its error is shown in the window and the user
//     can fix the form and submit again; nil closes the window.
//   - cancel (may be nil) is called on the tview goroutine if the user
//     cancels or closes the window before a submission went through; to
//     tell the server (forms.CancelForm), start a goroutine there.
//
// A page of several stages, with other buttons and notes, is
// openFormPage. Both must be called on the tview goroutine.
func (u *UI) openForm(a *acctState, title string, f *forms.Form, submit func(ctx context.Context, f *forms.Form) error, cancel func()) *window {
	return u.openFormPage(a, &formPage{title: title, form: f}, func(ctx context.Context, _ string, f *forms.Form) (*formPage, error) {
		return nil, submit(ctx, f)
	}, cancel)
}

// openFormPage opens a form window for account a (nil for none) showing
// page, makes it current and returns it. submit and cancel are as
// formSubmitFunc and openForm say; page.form is not changed (the window
// fills in a copy).
func (u *UI) openFormPage(a *acctState, page *formPage, submit formSubmitFunc, cancel func()) *window {
	w := newWindow(winForm, a, jid.JID{}, "form")
	w.form = &formState{submit: submit, cancel: cancel}
	u.setFormPage(w, page)
	u.wins = append(u.wins, w)
	u.showWin(w)
	u.roster.dirty = true
	return w
}

// setFormPage shows page in the form window w, from its first field.
func (u *UI) setFormPage(w *window, page *formPage) {
	fs := w.form
	fs.page = page
	if page.form != nil {
		fs.form = page.form.Clone()
	} else {
		fs.form = &forms.Form{Type: forms.TypeResult}
	}
	title := page.title
	if title == "" {
		title = fs.form.Title
	}
	if title == "" {
		title = "form"
	}
	w.name = sanitize.Truncate(sanitize.Text(title), 40)
	if len(page.actions) == 0 {
		page.actions = []formAction{{formSubmit, "Submit"}, {formCancel, "Cancel"}}
		if !fs.fillable() {
			page.actions = []formAction{{formClose, "Close"}}
		}
	}
	fs.stops = fs.stops[:0]
	fs.first = make([]int, len(fs.form.Fields))
	fs.labMax = 0
	for i := range fs.form.Fields {
		fd := &fs.form.Fields[i]
		fs.first[i] = len(fs.stops)
		if fd.Type != forms.Hidden && fd.Type != forms.Fixed {
			fs.labMax = max(fs.labMax, sanitize.Width(fieldLabel(fd)))
		}
		if !fs.editable(fd) {
			fs.first[i] = -1
			continue
		}
		if fs.isList(fd) {
			for j := range fd.Options {
				fs.stops = append(fs.stops, formStop{field: i, opt: j, button: -1})
			}
			continue
		}
		fs.stops = append(fs.stops, formStop{field: i, opt: -1, button: -1})
	}
	for j := range page.actions {
		fs.stops = append(fs.stops, formStop{field: -1, opt: -1, button: j})
	}
	fs.sel, fs.top = 0, 0
	fs.follow = fs.fillable() // a page to read (a result) shows its top, not its Close button
	fs.changedAll()
	fs.probs, fs.edit, fs.busy, fs.status, fs.statErr = nil, nil, false, "", false
}

// editable reports whether the user can change fd in this form.
func (fs *formState) editable(fd *forms.Field) bool {
	return fd.Editable() && fs.form.Type != forms.TypeResult
}

// isList reports whether fd is drawn as options to choose from.
func (fs *formState) isList(fd *forms.Field) bool {
	return (fd.Type == forms.ListSingle || fd.Type == forms.ListMulti) && len(fd.Options) > 0
}

// fillable reports whether the page has a field to fill in.
func (fs *formState) fillable() bool {
	for i := range fs.form.Fields {
		if fs.editable(&fs.form.Fields[i]) {
			return true
		}
	}
	return false
}

// formKey handles a key while a form window is current. It reports
// whether it took the key; keys it leaves go to the global bindings and
// the input line.
func (u *UI) formKey(ev *tcell.EventKey) bool {
	w := u.curWin()
	if w.kind != winForm || w.form == nil || u.find != nil {
		return false
	}
	fs := w.form
	if ev.Key() == tcell.KeyCtrlS {
		u.formPress(w, fs.defaultAction())
		return true
	}
	if fs.edit != nil {
		return u.formEditKey(w, ev)
	}
	if u.input.text != "" || !u.input.HasFocus() {
		return false
	}
	switch ev.Key() {
	case tcell.KeyTab:
		fs.moveField(1)
	case tcell.KeyBacktab:
		fs.moveField(-1)
	case tcell.KeyDown, tcell.KeyUp, tcell.KeyPgDn, tcell.KeyPgUp:
		d := 1
		if k := ev.Key(); k == tcell.KeyPgDn || k == tcell.KeyPgUp {
			d = max(u.convo.height/2, 1)
		}
		if k := ev.Key(); k == tcell.KeyUp || k == tcell.KeyPgUp {
			d = -d
		}
		if !fs.fillable() {
			fs.top = max(fs.top+d, 0) // a page to read scrolls (the draw bounds it)
			break
		}
		fs.move(d)
	case tcell.KeyHome:
		fs.sel, fs.follow, fs.top = 0, true, 0
	case tcell.KeyEnd:
		fs.sel, fs.follow = max(len(fs.stops)-1, 0), true
	case tcell.KeyEscape:
		u.formPress(w, formCancel)
	case tcell.KeyEnter:
		u.formActivate(w, 0)
	case tcell.KeyRune:
		if ev.Modifiers()&(tcell.ModAlt|tcell.ModCtrl) != 0 || ev.Rune() == '/' {
			return false
		}
		u.formActivate(w, ev.Rune())
	default:
		return false
	}
	return true
}

// formEditKey handles a key while a field is edited.
func (u *UI) formEditKey(w *window, ev *tcell.EventKey) bool {
	fs := w.form
	switch ev.Key() {
	case tcell.KeyTab, tcell.KeyBacktab:
		fs.endEdit(true)
		d := 1
		if ev.Key() == tcell.KeyBacktab {
			d = -1
		}
		fs.moveField(d)
		return true
	}
	took, done, keep := fs.edit.key(ev)
	if done {
		fs.endEdit(keep)
	}
	if !took && ev.Modifiers()&tcell.ModAlt == 0 {
		return true // an edit takes every key but Alt chords (windows)
	}
	return took
}

// endEdit ends the edit, putting its text in the field when keep.
func (fs *formState) endEdit(keep bool) {
	e := fs.edit
	fs.edit = nil
	if e == nil || !keep || e.field >= len(fs.form.Fields) {
		return
	}
	fd := &fs.form.Fields[e.field]
	fd.SetText(e.text)
	delete(fs.probs, e.field)
	fs.changed(e.field)
	fs.follow = true
}

// defaultAction is the action Ctrl-S runs.
func (fs *formState) defaultAction() string {
	if fs.page.deflt != "" {
		return fs.page.deflt
	}
	for _, a := range fs.page.actions {
		switch a.name {
		case formPrev, formCancel, formClose:
		default:
			return a.name
		}
	}
	if len(fs.page.actions) > 0 {
		return fs.page.actions[0].name
	}
	return formClose
}

// move moves the selection by d stops.
func (fs *formState) move(d int) {
	if len(fs.stops) == 0 {
		return
	}
	fs.sel = max(0, min(fs.sel+d, len(fs.stops)-1))
	fs.follow = true
}

// moveField moves the selection to the next (d 1) or previous (d -1)
// field or button, past the other options of a list.
func (fs *formState) moveField(d int) {
	n := len(fs.stops)
	if n == 0 {
		return
	}
	cur := fs.stops[fs.sel]
	i := fs.sel
	for k := 0; k < n; k++ {
		i = (i + d + n) % n
		s := fs.stops[i]
		if s.button >= 0 || s.field != cur.field {
			break
		}
	}
	if d < 0 { // to the first stop of that field
		for i > 0 && fs.stops[i].button < 0 && fs.stops[i-1].field == fs.stops[i].field {
			i--
		}
	}
	fs.sel, fs.follow = i, true
}

// formActivate acts on the selection: Enter (r 0), Space or a letter.
func (u *UI) formActivate(w *window, r rune) {
	fs := w.form
	if fs.sel >= len(fs.stops) || fs.busy {
		return
	}
	s := fs.stops[fs.sel]
	if s.button >= 0 {
		if r == 0 || r == ' ' {
			u.formPress(w, fs.page.actions[s.button].name)
		}
		return
	}
	fd := &fs.form.Fields[s.field]
	switch {
	case s.opt >= 0:
		if r == 0 || r == ' ' {
			fd.Toggle(fd.Options[s.opt].Value)
			delete(fs.probs, s.field)
			fs.changed(s.field)
		}
	case fd.Type == forms.Boolean:
		if r == 0 || r == ' ' {
			fd.SetBool(!fd.Bool())
			delete(fs.probs, s.field)
			fs.changed(s.field)
		}
	default:
		text := fd.Text()
		if len(text) > maxFormEdit {
			text = text[:0]
		}
		fs.edit = &formEdit{field: s.field, text: text, cur: len(text), multi: fd.Multi()}
		if r != 0 {
			fs.edit.insert(string(r))
		}
	}
}

// formPress runs the button action.
func (u *UI) formPress(w *window, action string) {
	fs := w.form
	if fs.busy && action != formCancel {
		return // one submission at a time; Cancel closes the window at once
	}
	fs.endEdit(true)
	switch action {
	case formCancel, formClose:
		if action == formClose {
			fs.done = true
		}
		u.closeWin(slices.Index(u.wins, w)) // cancel, if not done, through formClosed
		return
	}
	if action != formPrev {
		if probs := fs.form.Validate(); len(probs) > 0 {
			fs.probs = make(map[int]string, len(probs))
			fs.changedAll()
			for _, p := range probs {
				fs.probs[p.Index] = sanitize.Text(p.Text)
			}
			fs.status, fs.statErr = problemsText(len(probs)), true
			fs.selectField(probs[0].Index)
			return
		}
	}
	if fs.probs != nil {
		fs.probs = nil
		fs.changedAll()
	}
	fs.busy, fs.status, fs.statErr = true, "sending…", false
	var f *forms.Form
	if fs.page.form != nil {
		f = fs.form.Clone()
	}
	submit, ctx := fs.submit, u.ctx
	go func() {
		next, err := submit(ctx, action, f)
		u.Post(histFunc{f: func(u *UI) { u.formDone(w, next, err) }})
	}()
}

func problemsText(n int) string {
	if n == 1 {
		return "1 field needs attention"
	}
	return strconv.Itoa(n) + " fields need attention"
}

// selectField moves the selection to field i's first stop.
func (fs *formState) selectField(i int) {
	for k, s := range fs.stops {
		if s.field == i {
			fs.sel, fs.follow = k, true
			return
		}
	}
}

// formDone takes the result of a submission, on the tview goroutine.
func (u *UI) formDone(w *window, next *formPage, err error) {
	i := slices.Index(u.wins, w)
	if i < 0 {
		return // closed meanwhile
	}
	fs := w.form
	fs.busy = false
	switch {
	case err != nil:
		fs.status, fs.statErr = sanitize.Text(err.Error()), true
	case next == nil:
		fs.done = true
		u.closeWin(i)
	default:
		u.setFormPage(w, next)
	}
}

// formClosed is called by closeWin for every window closed: a form window
// not done calls its cancel function.
func (u *UI) formClosed(w *window) {
	if w.kind != winForm || w.form == nil || w.form.done {
		return
	}
	w.form.done = true
	if w.form.cancel != nil {
		w.form.cancel()
	}
}

// formTitle is the title bar text of a form window, "" for other windows.
func formTitle(w *window) string {
	if w.kind != winForm || w.form == nil {
		return ""
	}
	t := w.name
	if w.acct != nil {
		t += " (" + w.acct.name + ")"
	}
	return t
}

// changed drops the laid-out lines of field i (its values or problem
// changed); changedAll those of every field.
func (fs *formState) changed(i int) {
	if i >= 0 && i < len(fs.blocks) {
		fs.blocks[i] = nil
	}
}

func (fs *formState) changedAll() { fs.blocks = make([][]formLine, len(fs.form.Fields)) }
