package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"parley/account"
	"parley/msg"
	"parley/styling"
)

// screenCell is one cell of a simulation screen.
type screenCell struct {
	s  string
	st tcell.Style
	w  int
}

// cells returns every cell of the screen.
func (h *harness) cells() []screenCell {
	var out []screenCell
	h.u.app.QueueUpdate(func() {
		w, ht := h.scr.Size()
		for y := 0; y < ht; y++ {
			for x := 0; x < w; x++ {
				s, st, cw := h.scr.Get(x, y)
				out = append(out, screenCell{s, st, cw})
			}
		}
	})
	return out
}

// sameAsFresh fails the test unless the screen, drawn with the layouts the
// conversation pane kept, is the screen drawn with none kept.
func (h *harness) sameAsFresh(step string) {
	h.t.Helper()
	cached, cachedText := h.cells(), h.text()
	h.sync(func() { h.u.convo.lay, h.u.convo.old, h.u.convo.free = nil, nil, nil })
	fresh, freshText := h.cells(), h.text()
	if cachedText != freshText {
		h.t.Fatalf("%s: drawn from kept layouts:\n%s\nlaid out afresh:\n%s", step, cachedText, freshText)
	}
	for i := range cached {
		if cached[i] != fresh[i] {
			h.t.Fatalf("%s: cell %d is %+v from kept layouts, %+v afresh", step, i, cached[i], fresh[i])
		}
	}
}

// TestLayoutCacheRedraws: a correction, a reaction, a retraction and a
// width change each redraw the right text, the same as a pane that kept
// no layouts draws; a new line leaves the layouts of the lines that only
// moved up in place.
func TestLayoutCacheRedraws(t *testing.T) {
	f := newFake("me@example.org")
	h := startUI(t, 80, 12, f)
	bob := func(id, body string) account.Message {
		return account.Message{From: jidOf("bob@example.org/phone"), To: f.j, Type: "chat", ID: id, OriginID: id,
			Body: body, Time: fixedNow(), Dir: account.In}
	}
	post := func(m account.Message) { h.post(account.MessageEvent{Base: base(f), Msg: m}) }
	post(bob("m1", "see you at noom"))
	h.sync(func() { h.u.showWin(h.u.findWin(h.u.accts[0], jidOf("bob@example.org"))) })
	post(bob("m2", "wrong chat, sorry"))
	post(bob("m3", "a longer line that the pane must wrap once it is narrow enough, at a space"))
	h.screenHas("wrong chat, sorry")
	h.sameAsFresh("start")

	var m3 *layout
	h.sync(func() {
		w := h.u.curWin()
		m3 = h.u.convo.lay[w.buf.at(w.buf.len()-1)]
	})
	post(bob("m4", "one more line"))
	h.screenHas("one more line")
	h.sync(func() {
		w := h.u.curWin()
		if got := h.u.convo.lay[w.buf.at(w.buf.len()-2)]; got == nil || got != m3 {
			t.Errorf("the line that moved up was laid out again (%p, was %p)", got, m3)
		}
	})
	h.sameAsFresh("new line")

	fix := bob("c1", "see you at noon")
	fix.Replaces = "m1"
	post(fix)
	h.screenHas("see you at noon (edited)")
	if got := h.text(); strings.Contains(got, "noom") {
		t.Errorf("the corrected text is still drawn:\n%s", got)
	}
	h.sameAsFresh("correction")

	react := bob("r1", "")
	react.Reactions = &msg.Reactions{ID: "m4", Emojis: []string{"👍"}}
	post(react)
	h.screenHas("👍")
	h.sameAsFresh("reaction")

	retract := bob("x1", "")
	retract.Retraction = &msg.Retraction{ID: "m2"}
	post(retract)
	for deadline := time.Now().Add(10 * time.Second); strings.Contains(h.text(), "wrong chat"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the retracted text is still drawn:\n%s", h.text())
		}
	}
	h.sameAsFresh("retraction")

	h.sync(func() { h.scr.SetSize(60, 12) })
	h.sync(func() {})
	narrow := h.text()
	if strings.Contains(narrow, "a longer line that the pane must wrap once it is narrow enough") {
		t.Errorf("the long line is not wrapped at the new width:\n%s", narrow)
	}
	h.screenHas("enough, at a space")
	h.sameAsFresh("width change")
}

// TestLayoutKey: every change drawRow can see gives an entry another
// layout key.
func TestLayoutKey(t *testing.T) {
	mk := func() *entry {
		e := composeEntry(time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC), "15:04", lineMsg, "bob", []string{"hello *world* http://example.org"})
		e.spans = bodySpans(e.text, e.bodyStart, len(e.text))
		e.links = []linkSpan{{start: e.bodyStart + 14, end: len(e.text), id: "1"}}
		return e
	}
	th := DefaultTheme()
	e0 := mk()
	if keyOf(e0, e0.wrapped(40), 40, th) != keyOf(e0, e0.wrapped(40), 40, th) {
		t.Fatal("an unchanged entry changes its key")
	}
	changes := []struct {
		name string
		edit func(e *entry, th *Theme) int // returns the width
	}{
		{"text", func(e *entry, _ *Theme) int { e.text += " (edited)"; e.rows = nil; return 40 }},
		{"width", func(e *entry, _ *Theme) int { return 39 }},
		{"theme", func(_ *entry, th *Theme) int { th.Time = tcell.ColorRed; return 40 }},
		{"mono", func(_ *entry, th *Theme) int { th.Mono = true; return 40 }},
		{"kind", func(e *entry, _ *Theme) int { e.kind = lineHigh; return 40 }},
		{"selected", func(e *entry, _ *Theme) int { e.selected = true; return 40 }},
		{"match", func(e *entry, _ *Theme) int { e.hlStart, e.hlEnd = e.bodyStart, e.bodyStart+5; return 40 }},
		{"nick colour", func(e *entry, _ *Theme) int { e.nickColor = tcell.ColorBlue; return 40 }},
		{"day", func(e *entry, _ *Theme) int { e.dayHead, e.rows = true, nil; return 40 }},
		{"spans", func(e *entry, _ *Theme) int { e.spans = append([]styling.Span(nil), e.spans...); return 40 }},
		{"links", func(e *entry, _ *Theme) int { e.links = nil; return 40 }},
		{"tints", func(e *entry, _ *Theme) int { e.tints = []tint{{start: 0, end: 3}}; return 40 }},
		{"quote", func(e *entry, _ *Theme) int { e.ext = &lineExt{quote: "> hi"}; return 40 }},
		{"nick", func(e *entry, _ *Theme) int { e.nickEnd--; return 40 }},
	}
	for _, c := range changes {
		e, th2 := mk(), th
		k0 := keyOf(e, e.wrapped(40), 40, th2)
		w := c.edit(e, &th2)
		if k := keyOf(e, e.wrapped(w), w, th2); k == k0 {
			t.Errorf("%s: same key after the change", c.name)
		}
	}
}
