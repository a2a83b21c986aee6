package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/sanitize"
	"parley/vcard"
)

// VCardAccount reads vCards and edits ours (account.Account). The methods
// wait on the network: the UI calls them off the tview goroutine.
type VCardAccount interface {
	// VCard returns j's vCard (zero JID: ours); account.ErrNoVCard when
	// there is none.
	VCard(ctx context.Context, j jid.JID) (vcard.Card, error)
	// SetVCard sets one field of ours (empty value: removes it).
	SetVCard(ctx context.Context, field vcard.Field, value string) (vcard.Card, error)
}

// Bounds on what /vcard prints.
const (
	maxVCardNoteLines = 12
	maxVCardValue     = 200 // cells of one value
)

// vcardCommand is the row of /vcard.
func vcardCommand() command {
	return command{name: "vcard", usage: "[-a ACCOUNT] [JID|name|nick] | set fn|nick|email [VALUE]",
		help: "show the vCard (XEP-0292 vCard4, else XEP-0054 vcard-temp) of JID, a contact's name, or in a room an occupant's nick (by their real address when the room shows it); without an argument this conversation's contact, else yours. " +
			"/vcard set fn|nick|email VALUE edits yours (without VALUE removes it), keeping the rest; set nick also publishes your nickname (XEP-0172)",
		max: 3, rest: true, acct: true, run: cmdVCard, complete: completeVCard}
}

func completeVCard(u *UI, n int, args []string) []string {
	switch {
	case n == 0:
		return append([]string{"set"}, u.jidCandidates()...)
	case n == 1 && len(args) > 0 && args[0] == "set":
		return []string{"fn", "nick", "email"}
	}
	return nil
}

func cmdVCard(u *UI, c *call) error {
	a, err := u.pickAcct(c)
	if err != nil {
		return err
	}
	va, ok := a.a.(VCardAccount)
	if !ok {
		return errors.New("account " + a.name + " has no vCards")
	}
	if len(c.args) > 0 && c.args[0] == "set" {
		return u.vcardSet(c, a, va)
	}
	if len(c.args) > 1 {
		c.args = []string{strings.Join(c.args, " ")} // a contact's name of several words, unquoted
	}
	j, err := u.vcardTarget(c, a)
	if err != nil {
		return err
	}
	name := targetName(a, j)
	if j.String() == "" {
		name = "you (" + a.name + ")"
	}
	w, ctx := c.win, u.ctx
	go func() {
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		card, err := va.VCard(ctx, j)
		lines := vcardLines(name, card, err)
		u.postFunc(func() {
			if !u.isOpen(w) {
				return
			}
			for i, l := range lines {
				u.info(w, i == 0 && err != nil, l)
			}
		})
	}()
	return nil
}

// vcardTarget is whose vCard /vcard shows: in a room an occupant by nick
// (their real bare JID when the room shows it, else their address in the
// room, which only vcard-temp answers), else what the entity queries
// take; without an argument this chat's contact or room, else ours (the
// zero JID).
func (u *UI) vcardTarget(c *call, a *acctState) (jid.JID, error) {
	w := c.win
	if len(c.args) > 0 && w.kind == winRoom && c.acct == nil && w.room != nil && !strings.ContainsAny(c.args[0], "@/") {
		if o, ok := w.room.occupant(c.args[0]); ok {
			if o.JID.String() != "" {
				return o.JID.Bare(), nil
			}
			return w.peer.WithResource(o.Nick)
		}
	}
	if len(c.args) == 0 && (c.acct != nil || w.acct != a || w.kind != winChat && w.kind != winRoom) {
		return jid.JID{}, nil
	}
	js, err := u.entityTargets(c, a, false)
	if err != nil {
		return jid.JID{}, err
	}
	j := js[0]
	if j.Resourcepart() != "" && u.roomOf(a, j.Bare()) == nil {
		j = j.Bare() // a contact's resource: vCards are the account's
	}
	return j, nil
}

// vcardSet runs /vcard set FIELD [VALUE].
func (u *UI) vcardSet(c *call, a *acctState, va VCardAccount) error {
	if len(c.args) < 2 {
		return errUsage
	}
	field, err := vcard.ParseField(c.args[1])
	if err != nil {
		return err
	}
	value := ""
	if len(c.args) > 2 {
		value = strings.TrimSpace(c.args[2])
	}
	if len(value) > vcard.MaxSet {
		return fmt.Errorf("that is longer than %d bytes", vcard.MaxSet)
	}
	label := vcardFieldLabel(field)
	w, ctx := c.win, u.ctx
	go func() {
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		_, err := va.SetVCard(ctx, field, value)
		line := "your vCard: " + label + " set to \"" + sanitize.Text(value) + "\""
		if value == "" {
			line = "your vCard: " + label + " removed"
		}
		if err != nil {
			line = "your vCard: " + label + " not set: " + sanitize.Text(err.Error())
		}
		u.postFunc(func() {
			if u.isOpen(w) {
				u.info(w, err != nil, line)
			}
		})
	}()
	return nil
}

func vcardFieldLabel(f vcard.Field) string {
	switch f {
	case vcard.FieldFN:
		return "full name"
	case vcard.FieldNickname:
		return "nickname"
	}
	return "email"
}

// vcardLines formats a vCard answer: a head line naming whose it is, then
// one line per value, every value sanitized and bounded.
func vcardLines(name string, c vcard.Card, err error) []string {
	if err != nil {
		if errors.Is(err, account.ErrNoVCard) {
			return []string{"no vCard for " + name}
		}
		return []string{"vCard of " + name + ": " + sanitize.Text(err.Error())}
	}
	lines := []string{"vCard of " + name + " (" + c.Format.String() + "):"}
	add := func(label, v string) {
		if v = sanitize.Text(v); strings.TrimSpace(v) != "" {
			lines = append(lines, "  "+label+": "+sanitize.Truncate(v, maxVCardValue))
		}
	}
	typed := func(label string, vs []vcard.Value) {
		for _, v := range vs {
			t := v.Text
			if len(v.Types) > 0 {
				t += " (" + strings.Join(v.Types, ", ") + ")"
			}
			add(label, t)
		}
	}
	add("full name", c.FN)
	if c.Name != c.FN {
		add("name", c.Name)
	}
	add("nickname", c.Nickname)
	typed("email", c.Emails)
	typed("phone", c.Phones)
	for _, s := range c.URLs {
		add("url", s)
	}
	for _, s := range c.JIDs {
		add("xmpp", s)
	}
	add("organisation", c.Org)
	add("title", c.Title)
	add("role", c.Role)
	add("birthday", c.Birthday)
	typed("address", c.Address)
	if c.Note != "" {
		note := sanitize.Lines(c.Note)
		for i, l := range note {
			if i == maxVCardNoteLines {
				lines = append(lines, fmt.Sprintf("        (%d more lines)", len(note)-i))
				break
			}
			prefix := "  note: "
			if i > 0 {
				prefix = "        "
			}
			lines = append(lines, prefix+sanitize.Truncate(l, maxVCardValue))
		}
	}
	if p := c.Photo; p != nil {
		switch {
		case p.URL != "":
			add("photo", "has a photo (at "+p.URL+")")
		default:
			t := p.Type
			if t == "" {
				t = "unknown type"
			}
			add("photo", "has a photo ("+t+", "+byteSize(p.Size)+")")
		}
	}
	if len(lines) == 1 {
		lines[0] = "vCard of " + name + " (" + c.Format.String() + "): empty"
	}
	if c.Cut {
		lines = append(lines, "  (part of it was left out: over parley's bounds)")
	}
	return lines
}

// byteSize writes n bytes as people read it.
func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
