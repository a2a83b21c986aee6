package ui

import (
	"slices"
	"strconv"
	"strings"
)

// completion is the state of Tab completion: repeated Tabs cycle through
// the candidates; any other key ends the cycle.
type completion struct {
	active bool
	prefix string // input before the completed word
	suffix string // input after the cursor
	cands  []string
	i      int
}

func (c *completion) reset() { c.active = false; c.cands = nil }

// complete completes the word before the cursor of the input line.
func (u *UI) complete() {
	in := u.input
	c := &u.comp
	if c.active {
		c.i = (c.i + 1) % len(c.cands)
		in.text = c.prefix + c.cands[c.i] + c.suffix
		in.cur = len(c.prefix) + len(c.cands[c.i])
		return
	}
	before, after := in.text[:in.cur], in.text[in.cur:]
	if a := u.act; a != nil && a.kind == actReact && a.w == u.curWin() {
		u.startCompletion("", prefixed(shortcodeNames(), before), after) // the react prompt (select.go)
		return
	}
	if w := u.curWin(); w.kind == winRoom && !strings.HasPrefix(before, "/") {
		u.completeNick(w.room, before, after) // ui/mention.go
		return
	}
	start, word := argStart(before)
	var all []string
	verbatim := false // the candidates are the rest of the line, spaces and all
	switch {
	case !strings.HasPrefix(before, "/"):
		all = u.jidCandidates()
	case start == 0:
		for _, cmd := range u.cmds {
			all = append(all, "/"+cmd.name)
		}
	default:
		f, err := splitArgs(before[:start], -1, false)
		if err != nil || len(f) == 0 {
			return
		}
		cmd := u.lookup(strings.TrimPrefix(f[0], "/"))
		if cmd == nil || cmd.complete == nil && !cmd.acct {
			return
		}
		args := f[1:]
		if cmd.acct && len(args) > 0 && args[0] == "-a" {
			if len(args) == 1 {
				for _, a := range u.accts {
					all = append(all, a.jid.String())
				}
				break
			}
			args = args[2:]
		}
		if cmd.complete != nil {
			all = cmd.complete(u, len(args), args)
			verbatim = cmd.verbatim && cmd.rest && len(args) == cmd.max-1
		}
	}
	var cands []string
	for _, s := range all {
		if strings.HasPrefix(strings.ToLower(s), strings.ToLower(word)) {
			cands = append(cands, s)
		}
	}
	slices.Sort(cands)
	cands = slices.Compact(cands)
	if strings.HasPrefix(before, "/") && !verbatim {
		for i, s := range cands {
			cands[i] = quoteArg(s) // a group "Old Friends" goes in as one argument
		}
	}
	if len(cands) == 1 && !strings.HasPrefix(after, " ") && !verbatim {
		cands[0] += " " // a unique completion ends the word
	}
	u.startCompletion(before[:start], cands, after)
}

// startCompletion puts the first of cands between prefix and suffix and
// keeps the candidates, so that Tab again puts the next one in its place:
// a unique candidate stays, it does not start a new word.
func (u *UI) startCompletion(prefix string, cands []string, suffix string) {
	if len(cands) == 0 {
		return
	}
	in := u.input
	u.comp = completion{active: true, prefix: prefix, suffix: suffix, cands: cands}
	in.text = prefix + cands[0] + suffix
	in.cur = len(prefix) + len(cands[0])
}

// jidCandidates are the roster JIDs of every account and the peers of open
// windows.
func (u *UI) jidCandidates() []string {
	var out []string
	for _, a := range u.accts {
		for k := range a.items {
			out = append(out, k)
		}
	}
	for _, w := range u.wins {
		if w.kind == winChat {
			out = append(out, w.peer.String())
		}
	}
	return out
}

// completeJIDArg completes JIDs for argument n.
func completeJIDArg(n int) func(*UI, int, []string) []string {
	return func(u *UI, i int, _ []string) []string {
		if i != n {
			return nil
		}
		return u.jidCandidates()
	}
}

// completeWords completes a fixed set of words for argument n.
func completeWords(n int, words ...string) func(*UI, int, []string) []string {
	return func(_ *UI, i int, _ []string) []string {
		if i != n {
			return nil
		}
		return words
	}
}

func completeSub(u *UI, i int, args []string) []string {
	if i == 0 {
		return []string{"request", "allow", "deny", "cancel"}
	}
	if i == 1 {
		return u.jidCandidates()
	}
	return nil
}

func completeRoster(u *UI, i int, args []string) []string {
	if i == 0 {
		return []string{"add", "remove", "nick", "group", "show", "hide", "order", "fold", "unfold"}
	}
	if i == 1 {
		switch args[0] {
		case "show", "hide":
			return []string{"offline"}
		case "order":
			return []string{"presence", "name"}
		case "fold", "unfold":
			return u.rosterGroups()
		}
		return u.jidCandidates()
	}
	if i >= 2 && len(args) > 0 && args[0] == "group" {
		var groups []string
		for _, a := range u.accts {
			for _, it := range a.items {
				groups = append(groups, it.Groups...)
			}
		}
		return groups
	}
	return nil
}

func completeWin(u *UI, i int, _ []string) []string {
	if i != 0 {
		return nil
	}
	out := make([]string, 0, len(u.wins))
	for n, w := range u.wins {
		if w.kind == winConsole {
			out = append(out, "console", strconv.Itoa(n+1))
			continue
		}
		out = append(out, w.peer.String())
	}
	return out
}

func completeHelp(u *UI, i int, _ []string) []string {
	if i != 0 {
		return nil
	}
	out := []string{"keys"}
	for _, c := range u.cmds {
		out = append(out, c.name)
	}
	return out
}
