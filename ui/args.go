package ui

import (
	"errors"
	"slices"
	"strings"

	"mellium.im/xmpp/jid"

	"parley/sanitize"
)

// quotingHelp is the quoting rule of command arguments, as /help says it.
const quotingHelp = `arguments are separated by spaces; "double quotes" make one argument of several words (\" is a quote, \\ a backslash); the last argument of a command that takes text (a message, a status, a reason, a topic) is the rest of the line as typed`

// errQuote is returned for an argument whose closing quote is missing.
var errQuote = errors.New(`a quote is not closed: "double quotes" group words, \" is a quote inside them`)

// nextArg reads one argument from s after any leading spaces, following the
// quoting rule: double quotes group words, a backslash takes the next
// character as it is. It returns the argument, what follows it, and
// whether there was one.
func nextArg(s string) (arg, rest string, ok bool, err error) {
	s = strings.TrimLeft(s, " ")
	if s == "" {
		return "", "", false, nil
	}
	var b strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '"':
			quoted = !quoted
		case c == ' ' && !quoted:
			return b.String(), s[i:], true, nil
		default:
			b.WriteByte(c)
		}
	}
	if quoted {
		return "", "", false, errQuote
	}
	return b.String(), "", true, nil
}

// splitArgs splits a command's arguments by the quoting rule. With rest,
// the max-th argument is the rest of the line as typed, spaces and quotes
// kept (it is text to send, not words to parse).
func splitArgs(s string, max int, rest bool) ([]string, error) {
	var args []string
	for {
		if rest && max > 0 && len(args) == max-1 {
			if s = strings.TrimLeft(s, " "); s != "" {
				args = append(args, s)
			}
			return args, nil
		}
		arg, r, ok, err := nextArg(s)
		if err != nil || !ok {
			return args, err
		}
		args = append(args, arg)
		s = r
	}
}

// quoteArg writes s so that nextArg reads it back whole: as it is when it
// has no space, quote or backslash, else in double quotes with \" and \\.
func quoteArg(s string) string {
	if s != "" && !strings.ContainsAny(s, " \"\\") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// argStart returns where the argument being typed at the end of before
// starts (at its opening quote if it has one) and that argument as read so
// far, for completion.
func argStart(before string) (int, string) {
	start, quoted := 0, false
	for i := 0; i < len(before); i++ {
		switch c := before[i]; {
		case c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case (c == ' ' || c == '\n') && !quoted:
			start = i + 1
		}
	}
	word := before[start:]
	if arg, _, ok, err := nextArg(word); ok && err == nil {
		return start, arg
	}
	return start, strings.TrimPrefix(word, `"`)
}

// maxListed bounds the contacts an ambiguity error names.
const maxListed = 5

// contactMatch is a roster contact found for a word typed as a contact.
type contactMatch struct {
	acct *acctState
	jid  jid.JID
}

// contact resolves a contact argument on account a, or on every account
// when a is nil: an address (it has an "@" or a "/") is parsed as a JID; a
// word is looked up in the roster, as a contact's name (ignoring case), else
// as the start of one name or of one JID. A word that matches nothing is an
// error, except a domain name (it has a dot): that is the address of a
// server or service.
func (u *UI) contact(a *acctState, word string) (*acctState, jid.JID, error) {
	if strings.ContainsAny(word, "@/") {
		j, err := parseJID(word)
		return a, j, err
	}
	accts := u.accts
	if a != nil {
		accts = []*acctState{a}
	}
	exact, prefix := u.rosterMatches(accts, word)
	switch found := append(exact, prefix...); {
	case len(exact) == 1:
		return exact[0].acct, exact[0].jid, nil
	case len(exact) == 0 && len(prefix) == 1:
		return prefix[0].acct, prefix[0].jid, nil
	case len(found) > 1:
		if len(exact) > 1 {
			found = exact
		}
		names := make([]string, 0, maxListed)
		for _, m := range found[:min(len(found), maxListed)] {
			names = append(names, m.acct.displayName(m.jid)+" ("+sanitize.Text(m.jid.String())+")")
		}
		more := ""
		if len(found) > maxListed {
			more = ", …"
		}
		return nil, jid.JID{}, errorf("%q matches several contacts: %s%s; type more of the name, or the address", sanitize.Text(word), strings.Join(names, ", "), more)
	}
	if strings.Contains(word, ".") {
		j, err := parseJID(word)
		return a, j, err
	}
	return nil, jid.JID{}, errorf("no contact named %q in the roster: give the address (name@server)", sanitize.Text(word))
}

// rosterMatches returns the contacts of accts whose name is word ignoring
// case (exact) and those whose name or JID starts with it (prefix), each
// sorted by JID.
func (u *UI) rosterMatches(accts []*acctState, word string) (exact, prefix []contactMatch) {
	lw := strings.ToLower(word)
	for _, a := range accts {
		for key, it := range a.items {
			name := strings.ToLower(it.Name)
			switch {
			case name != "" && name == lw:
				exact = append(exact, contactMatch{a, it.JID})
			case lw != "" && (strings.HasPrefix(name, lw) || strings.HasPrefix(key, lw)):
				prefix = append(prefix, contactMatch{a, it.JID})
			}
		}
	}
	byJID := func(x, y contactMatch) int {
		if c := strings.Compare(x.jid.String(), y.jid.String()); c != 0 {
			return c
		}
		return strings.Compare(x.acct.jid.String(), y.acct.jid.String())
	}
	slices.SortFunc(exact, byJID)
	slices.SortFunc(prefix, byJID)
	return exact, prefix
}

// contactArg resolves the contact argument of a command: on the account the
// command acts on (-a, else the window's), or, typed in the console with
// several accounts, on whichever account has a matching contact.
func (u *UI) contactArg(c *call, word string) (*acctState, jid.JID, error) {
	a, err := u.pickAcct(c)
	if err != nil && (c.acct != nil || c.win.acct != nil || len(u.accts) == 0) {
		return nil, jid.JID{}, err
	}
	found, j, cerr := u.contact(a, word)
	if cerr != nil {
		return nil, jid.JID{}, cerr
	}
	if found == nil {
		return nil, jid.JID{}, err // an address, and no account to use it on
	}
	return found, j, nil
}
