package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/vcard"
)

var _ VCardAccount = (*account.Account)(nil)

// vcardFake answers vCard requests with a hostile card for
// juliet@example.org, none for anyone else.
type vcardFake struct{ *roomFake }

func (f vcardFake) VCard(_ context.Context, j jid.JID) (vcard.Card, error) {
	f.record("vcard " + j.String())
	if j.String() == "juliet@example.org" {
		return hostileCard(), nil
	}
	return vcard.Card{}, account.ErrNoVCard
}

func (f vcardFake) SetVCard(_ context.Context, field vcard.Field, value string) (vcard.Card, error) {
	f.record(fmt.Sprintf("setvcard %d %s", field, value))
	if value == "fail" {
		return vcard.Card{}, errors.New("forbidden")
	}
	return vcard.Card{}, nil
}

// hostileCard has terminal escapes, bidi overrides, line breaks and an
// over-long value.
func hostileCard() vcard.Card {
	return vcard.Card{Format: vcard.VCard4, FN: "Juliet\x1b[2J\u009b31m Capulet", Name: "Juliet Capulet", Nickname: "Jule\u202etxet",
		Emails: []vcard.Value{{Text: "jc@example.org", Types: []string{"work"}}, {Text: "j@home.example"}},
		Phones: []vcard.Value{{Text: "+1-555-0100", Types: []string{"cell"}}}, URLs: []string{"https://example.org/" + strings.Repeat("x", 300)},
		JIDs: []string{"juliet@example.org"}, Org: "Capulet", Title: "Heiress", Birthday: "1996-07-31",
		Address: []vcard.Value{{Text: "Verona, Italy", Types: []string{"home"}}},
		Note:    "line one\nline two\x07\r\n" + strings.Repeat("more\n", 20),
		Photo:   &vcard.Photo{Type: "image/png", Size: 12345}, Cut: true}
}

func TestGoldenVCardLines(t *testing.T) {
	var b strings.Builder
	for _, l := range vcardLines("juliet@example.org", hostileCard(), nil) {
		b.WriteString(l + "\n")
	}
	golden(t, "vcard_lines", b.String())
	for _, tc := range []struct {
		c    vcard.Card
		err  error
		want string
	}{
		{vcard.Card{}, account.ErrNoVCard, "no vCard for x"},
		{vcard.Card{}, errors.New("forbidden\x1b[31m"), "vCard of x: forbidden"},
		{vcard.New(vcard.Temp), nil, "vCard of x (vcard-temp): empty"},
		{vcard.Card{Photo: &vcard.Photo{URL: "https://p.example/a.png"}}, nil, "vCard of x (vCard4):\n  photo: has a photo (at https://p.example/a.png)"},
	} {
		if got := strings.Join(vcardLines("x", tc.c, tc.err), "\n"); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

// TestVCardCommand: whose vCard /vcard asks for (ours, a JID, a room
// occupant by real JID or, hidden, by room address), what it prints, and
// /vcard set.
func TestVCardCommand(t *testing.T) {
	h, f := startRoomUIPrep(t, 120, 40, func(u *UI) { u.accts[0].a = vcardFake{u.accts[0].a.(*roomFake)} })
	con := h.u.console()
	h.enter("/vcard")
	h.waitCall(f, "vcard ")
	h.waitFor("none", func() bool { return countContaining(entryTexts(con), "no vCard for you (me@example.org)") == 1 })
	h.enter("/vcard juliet@example.org")
	h.waitFor("card", func() bool {
		return countContaining(entryTexts(con), "full name: Juliet Capulet") == 1 && countContaining(entryTexts(con), "photo: has a photo (image/png, 12 KiB)") == 1
	})
	if s := strings.Join(h.lines(con), "\n"); strings.ContainsAny(s, "\x1b\u009b\u202e\x07") {
		t.Errorf("control characters drawn:\n%q", s)
	}
	for _, tc := range []struct{ in, call, line string }{
		{"/vcard set nick Ally Cat", "setvcard 1 Ally Cat", `your vCard: nickname set to "Ally Cat"`},
		{"/vcard set email", "setvcard 2 ", "your vCard: email removed"},
		{"/vcard set fn fail", "setvcard 0 fail", "your vCard: full name not set: forbidden"},
	} {
		h.enter(tc.in)
		h.waitCall(f, tc.call)
		h.waitFor(tc.line, func() bool { return countContaining(entryTexts(con), tc.line) == 1 })
	}
	h.enter("/vcard set colour red")
	h.waitFor("bad field", func() bool { return countContaining(entryTexts(con), `no field "colour"`) == 1 })
	w := joinTestRoom(h, f)
	h.enter("/vcard alice")
	h.waitCall(f, "vcard alice@example.org")
	h.enter("/vcard dave")
	h.waitCall(f, "vcard dev@conf.example.org/dave")
	h.waitFor("in the room window", func() bool { return countContaining(entryTexts(w), "no vCard for dev@conf.example.org/dave") == 1 })
}
