package ui

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/uniseg"

	"parley/forms"
	"parley/sanitize"
)

// Drawing of the form window (ui/form.go): the page is laid out as lines
// for the pane's width, scrolled so that the selection is in view, with a
// line of key hints at the bottom. Every text of the form is sanitized
// here, as it is drawn.

// formLine is one laid-out line of a form page.
type formLine struct {
	segs []formSeg
	stop int // the stop it shows, -1 for none
}

// formSeg is a piece of text of a line from column x (relative to the
// pane).
type formSeg struct {
	x    int
	text string
	st   tcell.Style
}

// formLayout lays a page out.
type formLayout struct {
	u     *UI
	fs    *formState
	w     int
	base  tcell.Style
	lines []formLine
	labW  int
	valX  int
	// where the editing cursor is: line and column
	curLine, curX int
}

// maxLabelCol bounds the label column (cells).
const maxLabelCol = 30

func (l *formLayout) add(stop int, segs ...formSeg) {
	l.lines = append(l.lines, formLine{segs: segs, stop: stop})
}

// para adds text wrapped to the width from column x, in style st.
func (l *formLayout) para(x int, text string, st tcell.Style, stop int) {
	width := max(l.w-x-1, 1)
	for _, line := range sanitize.Lines(text) {
		for _, r := range wrap(line, width, 0, 0, nil, nil) {
			l.add(stop, formSeg{x, line[r.from:r.to], st})
		}
	}
}

// drawForm draws form window win in the w×h area from (x, y).
func (u *UI) drawForm(scr tcell.Screen, x, y, w, h int, win *window) {
	fs := win.form
	th := u.theme
	base := th.base()
	l := &formLayout{u: u, fs: fs, w: w, base: base, curLine: -1, lines: make([]formLine, 0, fs.nlines)}
	l.build()
	fs.nlines = len(l.lines)
	fs.cursor.on = false
	avail := h - 1 // the bottom line holds the key hints
	if avail < 1 {
		avail = h
	}
	if fs.follow || fs.edit != nil || h != fs.lastH && fs.fillable() {
		fs.follow = false
		first, last := -1, -1
		for i, ln := range l.lines {
			if ln.stop == fs.sel {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if first >= 0 {
			if last-first >= avail {
				last = first + avail - 1
			}
			if first < fs.top {
				fs.top = first
			}
			if last >= fs.top+avail {
				fs.top = last - avail + 1
			}
		}
	}
	fs.lastH = h
	fs.top = max(0, min(fs.top, len(l.lines)-avail))
	for r := 0; r < avail && fs.top+r < len(l.lines); r++ {
		ln := l.lines[fs.top+r]
		for _, sg := range ln.segs {
			put(scr, x+sg.x, y+r, w-sg.x, sg.text, sg.st)
		}
		if fs.top+r == l.curLine {
			fs.cursor.x, fs.cursor.y, fs.cursor.on = x+min(l.curX, w-1), y+r, true
		}
	}
	if avail < h {
		put(scr, x+1, y+h-1, w-1, formHints(fs), base.Foreground(th.Info))
	}
}

// formCursor shows the editing cursor of the current form window, after
// the widgets drew (the input line places the cursor too).
func (u *UI) formCursor(scr tcell.Screen) {
	w := u.curWin()
	if w.kind == winForm && w.form != nil && w.form.edit != nil && w.form.cursor.on && u.find == nil {
		scr.ShowCursor(w.form.cursor.x, w.form.cursor.y)
	}
}

// formHints is the bottom line: the keys that act now.
func formHints(fs *formState) string {
	switch {
	case fs.busy:
		return "sending… (Esc or /close cancels)"
	case fs.edit != nil && fs.edit.multi:
		return "editing: Enter keeps · Alt-Enter new line · Esc drops · Tab next"
	case fs.edit != nil:
		return "editing: Enter keeps · Esc drops · Tab next"
	case !fs.fillable():
		esc := "close"
		if slices.ContainsFunc(fs.page.actions, func(a formAction) bool { return a.name == formCancel }) {
			esc = "cancel"
		}
		return "↑↓ scroll · Tab button · Enter press · Ctrl-S " + fs.actionLabel(fs.defaultAction()) + " · Esc " + esc
	}
	return "Tab ↑↓ move · Enter edit · Space toggle · Ctrl-S " + fs.actionLabel(fs.defaultAction()) + " · Esc cancel"
}

// actionLabel is the label of the button of action name.
func (fs *formState) actionLabel(name string) string {
	for _, a := range fs.page.actions {
		if a.name == name {
			return strings.ToLower(a.label)
		}
	}
	return name
}

// build lays out the whole page.
func (l *formLayout) build() {
	fs, th := l.fs, l.u.theme
	f := fs.form
	if f.Title != "" {
		l.para(1, f.Title, l.base.Bold(true), -1)
	}
	for _, in := range f.Instructions {
		l.para(1, in, l.base, -1)
	}
	for _, n := range fs.page.notes {
		st, pre := l.base.Foreground(th.Info), "note: "
		switch n.kind {
		case "warn":
			st, pre = l.base.Foreground(th.Highlight), "warning: "
		case "error":
			st, pre = th.line(l.base.Foreground(th.Error), lineError), "error: "
		}
		l.para(1, pre+n.text, st, -1)
	}
	if len(l.lines) > 0 {
		l.add(-1)
	}
	l.labW = max(4, min(fs.labMax, maxLabelCol, l.w*2/5))
	l.valX = 3 + l.labW + 2
	if fs.blockW != l.w {
		fs.changedAll()
		fs.blockW = l.w
	}
	selField := -1
	if fs.sel < len(fs.stops) {
		selField = fs.stops[fs.sel].field
	}
	// A field's lines are laid out once and kept while it is not selected
	// nor edited: a frame of a form of thousands of options lays out one.
	for i := range f.Fields {
		live := i == selField || fs.edit != nil && fs.edit.field == i
		if !live && fs.blocks[i] != nil {
			l.lines = append(l.lines, fs.blocks[i]...)
			continue
		}
		start := len(l.lines)
		l.field(i)
		if !live {
			fs.blocks[i] = append(make([]formLine, 0, len(l.lines)-start), l.lines[start:]...)
		}
	}
	l.table()
	if n := len(l.lines); n == 0 || len(l.lines[n-1].segs) > 0 {
		l.add(-1)
	}
	l.buttons()
	if fs.status != "" {
		st := l.base.Foreground(th.Info)
		if fs.statErr {
			st = th.line(l.base.Foreground(th.Error), lineError)
		}
		l.para(1, fs.status, st, -1)
	}
}

// fieldLabel is what names a field: its label, else its var, and a mark
// when it is required.
func fieldLabel(fd *forms.Field) string {
	s := fd.Label
	if s == "" {
		s = fd.Var
	}
	s = sanitize.Text(s)
	if fd.Required && fd.Editable() {
		s += " *"
	}
	return s
}

// field lays out field i.
func (l *formLayout) field(i int) {
	fs, th := l.fs, l.u.theme
	fd := &fs.form.Fields[i]
	switch fd.Type {
	case forms.Hidden:
		return
	case forms.Fixed:
		text := fd.Text()
		if fd.Label != "" {
			text = strings.TrimSpace(fd.Label + "\n" + text)
		}
		l.para(1, text, l.base.Foreground(th.Header).Bold(true), -1)
		return
	}
	sel := -1
	if fs.sel < len(fs.stops) && fs.stops[fs.sel].field == i {
		sel = fs.sel
	}
	var vals []formVal
	valW := max(l.w-l.valX-1, 1)
	plain, selSt := l.base, th.current(l.base)
	field := l.base.Underline(true)
	stop, editable := fs.first[i], fs.editable(fd)
	st := func(k int, normal tcell.Style) tcell.Style {
		if k >= 0 && k == fs.sel {
			return selSt
		}
		return normal
	}
	switch {
	case fs.edit != nil && fs.edit.field == i:
		vals = l.editLines(fd, valW, stop, selSt)
	case fs.isList(fd) && editable:
		for j, o := range fd.Options {
			k := stop + j
			mark := "( ) "
			if fd.Type == forms.ListMulti {
				mark = "[ ] "
			}
			if fd.Selected(o.Value) {
				mark = "(•) "
				if fd.Type == forms.ListMulti {
					mark = "[x] "
				}
			}
			vals = append(vals, formVal{mark + sanitize.Text(fd.OptionLabel(o.Value)), st(k, plain), k, -1})
		}
	case fd.Type == forms.Boolean:
		v := "[ ]"
		if fd.Bool() {
			v = "[x]"
		}
		if !editable {
			v = "no"
			if fd.Bool() {
				v = "yes"
			}
		}
		vals = append(vals, formVal{v, st(stop, plain), stop, -1})
	default:
		lines := fd.Values
		if len(lines) == 0 {
			lines = []string{""}
		}
		for _, v := range lines {
			if fd.Type == forms.ListSingle || fd.Type == forms.ListMulti {
				v = fd.OptionLabel(v)
			}
			text := sanitize.Text(v)
			if fd.Type == forms.TextPrivate {
				text = strings.Repeat("•", min(utf8.RuneCountInString(v), 16))
			}
			ns := plain
			if editable {
				ns = field
				text = padTo(text, min(valW, 32))
			}
			vals = append(vals, formVal{sanitize.Truncate(text, valW), st(stop, ns), stop, -1})
		}
	}
	// The label, wrapped in its column beside the values.
	labSt := l.base.Bold(sel >= 0)
	var labs []string
	lt := fieldLabel(fd)
	for _, r := range wrap(lt, l.labW, 0, 0, nil, nil) {
		labs = append(labs, lt[r.from:r.to])
	}
	n := max(len(vals), len(labs))
	marked := -1
	for r := 0; r < n; r++ {
		var segs []formSeg
		lineStop := stop
		if r < len(vals) {
			lineStop = vals[r].stop
		}
		if lineStop >= 0 && lineStop == fs.sel && marked != lineStop {
			marked = lineStop
			segs = append(segs, formSeg{1, "▸", l.base.Foreground(th.Highlight)})
		}
		if r < len(labs) {
			segs = append(segs, formSeg{3, labs[r], labSt})
		}
		if r < len(vals) {
			segs = append(segs, formSeg{l.valX, vals[r].text, vals[r].st})
			if vals[r].cur >= 0 {
				l.curLine, l.curX = len(l.lines), l.valX+vals[r].cur
			}
		}
		l.add(lineStop, segs...)
	}
	if sel >= 0 && fd.Desc != "" {
		l.para(l.valX, fd.Desc, l.base.Foreground(th.Time), sel)
	}
	if p, ok := fs.probs[i]; ok {
		l.para(l.valX, "! "+p, th.line(l.base.Foreground(th.Error), lineError), stop)
	}
}

// formVal is one line of a field's value.
type formVal struct {
	text string
	st   tcell.Style
	stop int
	cur  int // column of the cursor in text, -1 for none
}

// editLines lays out the text being edited, the cursor's line scrolled so
// that the cursor is in view.
func (l *formLayout) editLines(fd *forms.Field, valW, stop int, st tcell.Style) []formVal {
	e := l.fs.edit
	var out []formVal
	show := func(raw string) string {
		if fd.Type == forms.TextPrivate {
			return strings.Repeat("•", utf8.RuneCountInString(raw))
		}
		return sanitize.Text(raw)
	}
	pos := 0
	for _, line := range strings.Split(e.text, "\n") {
		end := pos + len(line)
		cur := -1
		text := show(line)
		if e.cur >= pos && e.cur <= end {
			before := show(e.text[pos:e.cur])
			for uniseg.StringWidth(before) > valW-1 && before != "" { // keep the cursor in view
				g, _, _, _ := uniseg.FirstGraphemeClusterInString(before, -1)
				before = before[len(g):]
			}
			cur = uniseg.StringWidth(before)
			text = before + show(e.text[e.cur:end])
		}
		out = append(out, formVal{sanitize.Truncate(padTo(text, min(valW, 32)), valW), st, stop, cur})
		pos = end + 1
	}
	return out
}

// padTo pads s with spaces to n cells.
func padTo(s string, n int) string {
	if w := sanitize.Width(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}

// buttons lays out the button row.
func (l *formLayout) buttons() {
	fs, th := l.fs, l.u.theme
	x := 3
	var segs []formSeg
	first := -1
	for k, s := range fs.stops {
		if s.button < 0 {
			continue
		}
		if first < 0 {
			first = k
		}
		a := fs.page.actions[s.button]
		text := "[ " + sanitize.Text(a.label) + " ]"
		st := l.base.Foreground(th.Own)
		if a.name == fs.defaultAction() {
			st = st.Bold(true)
		}
		if k == fs.sel {
			st = th.current(l.base).Bold(true)
			segs = append(segs, formSeg{1, "▸", l.base.Foreground(th.Highlight)})
		}
		segs = append(segs, formSeg{x, text, st})
		x += sanitize.Width(text) + 2
	}
	stop := -1
	if fs.sel < len(fs.stops) && fs.stops[fs.sel].button >= 0 {
		stop = fs.sel
	}
	l.add(stop, segs...)
}

// table lays out a result's reported columns and item rows (XEP-0004
// §3.4), each cell cut to its column.
func (l *formLayout) table() {
	f := l.fs.form
	if len(f.Reported) == 0 {
		return
	}
	n := len(f.Reported)
	widths := make([]int, n)
	for c, fd := range f.Reported {
		widths[c] = sanitize.Width(fieldLabel(&fd))
	}
	cell := func(row []forms.Field, v string) string {
		for k := range row {
			if row[k].Var == v {
				return sanitize.Text(strings.Join(row[k].Values, ", "))
			}
		}
		return ""
	}
	for _, it := range f.Items {
		for c, fd := range f.Reported {
			widths[c] = max(widths[c], min(sanitize.Width(cell(it, fd.Var)), 40))
		}
	}
	room := l.w - 3 - 2*(n-1)
	total := 0
	for _, w := range widths {
		total += w
	}
	if total > room {
		for c := range widths {
			widths[c] = max(3, room/n)
		}
	}
	row := func(texts []string, st tcell.Style) {
		var segs []formSeg
		x := 3
		for c, t := range texts {
			segs = append(segs, formSeg{x, sanitize.Truncate(t, widths[c]), st})
			x += widths[c] + 2
		}
		l.add(-1, segs...)
	}
	l.add(-1)
	head := make([]string, n)
	for c, fd := range f.Reported {
		head[c] = fieldLabel(&fd)
	}
	row(head, l.base.Bold(true).Underline(true))
	for _, it := range f.Items {
		texts := make([]string, n)
		for c, fd := range f.Reported {
			texts[c] = cell(it, fd.Var)
		}
		row(texts, l.base)
	}
}
