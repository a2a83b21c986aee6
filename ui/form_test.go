package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/gdamore/tcell/v2"

	"parley/forms"
)

// sampleForm has a field of every type, as a server sends them.
func sampleForm() *forms.Form {
	return &forms.Form{
		Type:         forms.TypeForm,
		Title:        "Configure the room",
		Instructions: []string{"Fill in the fields below; the starred ones are required."},
		Fields: []forms.Field{
			{Var: "FORM_TYPE", Type: forms.Hidden, Values: []string{"http://jabber.org/protocol/muc#roomconfig"}},
			{Type: forms.Fixed, Values: []string{"General"}},
			{Var: "name", Type: forms.TextSingle, Label: "Room name", Required: true, Desc: "Shown in room lists"},
			{Var: "secret", Type: forms.TextPrivate, Label: "Password", Values: []string{"hunter2"}},
			{Var: "desc", Type: forms.TextMulti, Label: "Description", Values: []string{"line one", "line two"}},
			{Var: "persistent", Type: forms.Boolean, Label: "Make the room persistent", Values: []string{"1"}},
			{Var: "whois", Type: forms.ListSingle, Label: "Who may see real addresses", Values: []string{"moderators"},
				Options: []forms.Option{{Label: "Moderators only", Value: "moderators"}, {Label: "Anyone", Value: "anyone"}}},
			{Var: "roles", Type: forms.ListMulti, Label: "Roles that get presence", Values: []string{"moderator"},
				Options: []forms.Option{{Value: "moderator"}, {Value: "participant"}, {Value: "visitor"}}},
			{Var: "owner", Type: forms.JIDSingle, Label: "Owner", Values: []string{"me@example.org"}},
			{Var: "admins", Type: forms.JIDMulti, Label: "Admins"},
		},
	}
}

// formRecorder records what a form window did.
type formRecorder struct {
	mu        sync.Mutex
	submitted []*forms.Form
	cancels   int
	err       error // returned by submit
}

func (r *formRecorder) submit(_ context.Context, f *forms.Form) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.submitted = append(r.submitted, f)
	return r.err
}

func (r *formRecorder) cancel() {
	r.mu.Lock()
	r.cancels++
	r.mu.Unlock()
}

func (r *formRecorder) counts() (int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.submitted), r.cancels
}

// openSample opens the sample form in a UI and returns its harness.
func openSample(t *testing.T, h *harness, f *forms.Form) *formRecorder {
	rec := &formRecorder{}
	h.sync(func() { h.u.openForm(h.u.accts[0], "", f, rec.submit, rec.cancel) })
	h.waitFor("form window", func() bool { return h.u.curWin().kind == winForm })
	return rec
}

func TestGoldenForm(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	openSample(t, h, sampleForm())
	golden(t, "form_all", h.text())
	// Ctrl-S with the required name empty: the problem is shown next to
	// it and nothing is sent.
	h.key(tcell.KeyCtrlS, 0, 0)
	h.waitFor("problems", func() bool { return h.u.curWin().form.probs != nil })
	golden(t, "form_invalid", h.text())
	golden(t, "form_invalid_colors", h.colors(5, 7, 20))
}

// TestFormRawKeys fills the sample form with the bytes tmux sends and
// submits it: what is sent is what was typed and toggled.
func TestFormRawKeys(t *testing.T) {
	h, tty := startRawUI(t, "tmux-256color", newFake("me@example.org"))
	rec := openSample(t, h, sampleForm())
	steps := []string{
		"\r", "Lounge", "\r", // edit the name
		"\t", "\r", "\x7f\x7f\x7fer3", "\r", // the password: hunter2 less three, plus er3
		"\t", "\r", "\x1b\r", "line three", "\r", // a third line of the description
		"\t", " ", // persistent off
		"\t", "\x1b[B", " ", // whois: Anyone
		"\t", "\x1b[B", " ", "\x1b[B", " ", // roles: + participant + visitor
		"\t", "\t", "a", "dmin@example.org", "\x1b\n", "boss@example.org", // admins, still editing
	}
	for _, s := range steps {
		tty.send(s)
	}
	h.waitFor("admins typed", func() bool {
		e := h.u.curWin().form.edit
		return e != nil && strings.HasSuffix(e.text, "boss@example.org")
	})
	golden(t, "form_typed", h.text())
	tty.send("\x13") // Ctrl-S
	h.waitFor("window closed", func() bool { return h.u.curWin().kind != winForm })
	n, c := rec.counts()
	if n != 1 || c != 0 {
		t.Fatalf("%d submits, %d cancels; want 1, 0", n, c)
	}
	got := rec.submitted[0]
	want := map[string]string{
		"FORM_TYPE":  "http://jabber.org/protocol/muc#roomconfig",
		"name":       "Lounge",
		"secret":     "hunter3",
		"desc":       "line one\nline two\nline three",
		"persistent": "0",
		"whois":      "anyone",
		"roles":      "moderator\nparticipant\nvisitor",
		"owner":      "me@example.org",
		"admins":     "admin@example.org\nboss@example.org",
	}
	for v, w := range want {
		fd := got.Field(v)
		if fd == nil {
			t.Errorf("field %s not submitted", v)
			continue
		}
		if fd.Text() != w {
			t.Errorf("field %s = %q, want %q", v, fd.Text(), w)
		}
	}
	if p := got.Validate(); len(p) != 0 {
		t.Errorf("submitted form does not validate: %v", p)
	}
}

// TestFormCancel: Esc, the Cancel button and /close each cancel once; a
// submit error keeps the form open with the error shown.
func TestFormCancel(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	rec := openSample(t, h, sampleForm())
	h.key(tcell.KeyEscape, 0, 0)
	h.waitFor("closed by Esc", func() bool { return h.u.curWin().kind != winForm })
	if _, c := rec.counts(); c != 1 {
		t.Fatalf("%d cancels after Esc, want 1", c)
	}

	rec = openSample(t, h, sampleForm())
	h.typeText("/close")
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("closed by /close", func() bool { return h.u.curWin().kind != winForm })
	if _, c := rec.counts(); c != 1 {
		t.Fatalf("%d cancels after /close, want 1", c)
	}

	rec = openSample(t, h, sampleForm())
	rec.err = errors.New("not-allowed: \x1b[31mno\x1b[0m")
	h.typeText("Lounge") // a letter on a text field starts editing it
	h.key(tcell.KeyEnter, 0, 0)
	h.key(tcell.KeyCtrlS, 0, 0)
	h.waitFor("error shown", func() bool { fs := h.u.curWin().form; return fs != nil && fs.statErr && !fs.busy })
	scr := h.text()
	if !strings.Contains(scr, "not-allowed: no") || strings.Contains(scr, "\x1b") {
		t.Errorf("submit error not shown sanitized:\n%s", scr)
	}
	// Tab to the buttons' row (Cancel is the last stop), then Enter.
	h.key(tcell.KeyEnd, 0, 0)
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("closed by Cancel", func() bool { return h.u.curWin().kind != winForm })
	if n, c := rec.counts(); n != 1 || c != 1 {
		t.Fatalf("%d submits, %d cancels; want 1, 1", n, c)
	}
}

// TestFormHostile: a form's texts cannot draw on the terminal, and a
// result page (nothing to fill in) has only Close, which cancels nothing.
func TestFormHostile(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 80, 24, f)
	evil := "\x1b]0;owned\a\x1b[2J[red]x\u202e"
	form := &forms.Form{
		Type: forms.TypeResult, Title: "Result " + evil, Instructions: []string{evil},
		Fields:   []forms.Field{{Var: "v", Type: forms.TextSingle, Label: evil, Values: []string{evil}}},
		Reported: []forms.Field{{Var: "jid", Label: "User " + evil}, {Var: "n", Label: "Resources"}},
		Items:    [][]forms.Field{{{Var: "jid", Values: []string{"alice@example.org"}}, {Var: "n", Values: []string{"2"}}}},
	}
	rec := openSample(t, h, form)
	scr := h.text()
	for _, bad := range []string{"\x1b", "\a", "\u202e"} {
		if strings.Contains(scr, bad) {
			t.Errorf("screen holds %q:\n%s", bad, scr)
		}
	}
	if !strings.Contains(scr, "[ Close ]") || !strings.Contains(scr, "alice@example.org") {
		t.Errorf("result page lacks Close or its table:\n%s", scr)
	}
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("closed", func() bool { return h.u.curWin().kind != winForm })
	if n, c := rec.counts(); n != 0 || c != 0 {
		t.Errorf("%d submits, %d cancels after Close; want 0, 0", n, c)
	}
}

// TestFormPaste: a bracketed paste goes into the field being edited, one
// line for a single-line field, without control characters.
func TestFormPaste(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	openSample(t, h, sampleForm())
	h.key(tcell.KeyEnter, 0, 0)
	h.scr.PostEventWait(tcell.NewEventPaste(true))
	for _, r := range "big\x07 room" {
		h.key(tcell.KeyRune, r, 0)
	}
	h.key(tcell.KeyEnter, 0, 0)
	h.typeText("s")
	h.scr.PostEventWait(tcell.NewEventPaste(false))
	h.key(tcell.KeyEnter, 0, 0)
	h.waitFor("name pasted", func() bool {
		fs := h.u.curWin().form
		return fs.edit == nil && fs.form.Field("name").Value() == "big room s"
	})
	if h.u.input.text != "" {
		t.Errorf("the paste reached the input line: %q", h.u.input.text)
	}
}

// BenchmarkFormDraw draws one frame of the largest form Parse keeps in
// options: 256 list-multi fields of 100 options each (a hostile form's
// worst case for the window's layout, which is redone every frame).
func BenchmarkFormDraw(b *testing.B) {
	u := New(Options{})
	f := &forms.Form{Type: forms.TypeForm, Title: "big"}
	for i := 0; i < forms.MaxFields; i++ {
		fd := forms.Field{Var: "f" + strings.Repeat("x", i%7) + string(rune('a'+i%26)), Type: forms.ListMulti, Label: "a label that is rather long " + strings.Repeat("é", i%5)}
		for j := 0; j < 100; j++ {
			fd.Options = append(fd.Options, forms.Option{Label: "option \u202e" + strings.Repeat("z", j%9), Value: string(rune('A' + j))})
		}
		f.Fields = append(f.Fields, fd)
	}
	w := newWindow(winForm, nil, jidOf("x@example.org"), "form")
	w.form = &formState{}
	u.setFormPage(w, &formPage{form: f})
	scr := tcell.NewSimulationScreen("UTF-8")
	if err := scr.Init(); err != nil {
		b.Fatal(err)
	}
	scr.SetSize(100, 40)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.form.sel = i % len(w.form.stops)
		w.form.follow = true
		u.drawForm(scr, 0, 0, 100, 40, w)
	}
}

// TestFormSmallTerminals draws the sample form, edited, on terminals too
// small for it: nothing panics, the selection stays in view.
func TestFormSmallTerminals(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	openSample(t, h, sampleForm())
	h.key(tcell.KeyEnd, 0, 0)     // Cancel
	h.key(tcell.KeyBacktab, 0, 0) // Submit
	h.key(tcell.KeyBacktab, 0, 0) // Admins
	h.key(tcell.KeyEnter, 0, 0)   // editing the last field
	h.typeText(strings.Repeat("admin@example.org ", 8))
	for _, sz := range [][2]int{{20, 6}, {30, 2}, {40, 4}, {12, 30}, {200, 50}, {3, 3}} {
		h.sync(func() { h.scr.SetSize(sz[0], sz[1]) })
		h.waitFor("editing", func() bool { e := h.u.curWin().form.edit; return e != nil && len(e.text) > 100 })
		if sz[1] >= 4 && sz[0] >= 30 && !strings.Contains(h.text(), "example.org") {
			t.Errorf("%dx%d: the field edited is not in view:\n%s", sz[0], sz[1], h.text())
		}
	}
}

// TestFormResultScrolls: a long page to read opens at its top, and the
// arrows and PgUp/PgDn scroll it.
func TestFormResultScrolls(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 100, 30, f)
	var users []string
	for i := 0; i < 60; i++ {
		users = append(users, "user"+strings.Repeat("x", i%3)+string(rune('a'+i%26))+"@example.org")
	}
	users[59] = "last@example.org"
	openSample(t, h, &forms.Form{Type: forms.TypeResult, Title: "Online users", Fields: []forms.Field{{Var: "jids", Label: "Users", Type: forms.JIDMulti, Values: users}}})
	if scr := h.text(); !strings.Contains(scr, "Online users") || strings.Contains(scr, "last@example.org") {
		t.Errorf("the page does not open at its top:\n%s", scr)
	}
	h.key(tcell.KeyPgDn, 0, 0)
	h.key(tcell.KeyPgDn, 0, 0)
	h.key(tcell.KeyPgDn, 0, 0)
	h.key(tcell.KeyDown, 0, 0)
	h.waitFor("scrolled", func() bool { return h.u.curWin().form.top > 0 })
	if scr := h.text(); !strings.Contains(scr, "last@example.org") {
		t.Errorf("the page's end not shown after scrolling:\n%s", scr)
	}
}
