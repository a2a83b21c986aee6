package ui

import (
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
)

// TestAskSecret: a secret question masks its answer, takes every key
// (Alt-2 switches no window), strips line breaks from a paste, gives the
// answer to done and puts the input line back; Esc cancels.
func TestAskSecret(t *testing.T) {
	h := startUI(t, 80, 12, newFake("me@example.org"))
	h.typeText("half a message")
	h.inputIs("half a message")
	answers := make(chan string, 1)
	cancels := make(chan struct{}, 1)
	open := func() {
		h.sync(func() {
			h.u.askLine("Secret: ", true, func(s string) { answers <- s }, func() { cancels <- struct{}{} })
		})
	}
	open()
	h.typeText("ab ü")
	h.key(tcell.KeyRune, '2', tcell.ModAlt)
	h.key(tcell.KeyBackspace2, 0, 0)
	h.scr.PostEventWait(tcell.NewEventPaste(true))
	for _, r := range "c\nd" {
		h.key(tcell.KeyRune, r, 0)
	}
	h.key(tcell.KeyEnter, 0, 0)
	h.scr.PostEventWait(tcell.NewEventPaste(false))
	h.screenHas("Secret: *****")
	golden(t, "ask_secret", h.text())
	if got := h.text(); strings.Contains(got, "ab") || strings.Contains(got, "half a message") {
		t.Fatalf("the answer or the draft is drawn:\n%s", got)
	}
	h.key(tcell.KeyEnter, 0, 0)
	if got := <-answers; got != "ab cd" {
		t.Errorf("answer %q", got)
	}
	h.inputIs("half a message")
	h.curIs(0)

	open()
	h.typeText("x")
	h.key(tcell.KeyEscape, 0, 0)
	<-cancels
	h.inputIs("half a message")
	h.screenHas("half a message")
}
