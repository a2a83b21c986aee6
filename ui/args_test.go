package ui

import (
	"errors"
	"slices"
	"testing"

	"github.com/gdamore/tcell/v2"

	"parley/account"
)

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		rest bool
		want []string
		err  error
	}{
		{`bob@x.org "Old Friends" Work`, -1, false, []string{"bob@x.org", "Old Friends", "Work"}, nil},
		{`  a   b  `, -1, false, []string{"a", "b"}, nil},
		{`say \"hi\" "a \"b\" c" back\\slash`, -1, false, []string{`say`, `"hi"`, `a "b" c`, `back\slash`}, nil},
		{`"" x`, -1, false, []string{"", "x"}, nil},
		{`pre"fix suf"fix`, -1, false, []string{"prefix suffix"}, nil},
		{`"Bob Smith" hi "there" you`, 2, true, []string{"Bob Smith", `hi "there" you`}, nil},
		{`away   busy  now `, 2, true, []string{"away", "busy  now "}, nil},
		{`"open`, -1, false, nil, errQuote},
		{`"open quote" text`, 1, true, []string{`"open quote" text`}, nil},
	}
	for _, tc := range tests {
		got, err := splitArgs(tc.in, tc.max, tc.rest)
		if !errors.Is(err, tc.err) || err == nil && !slices.Equal(got, tc.want) {
			t.Errorf("splitArgs(%q, %d, %v) = %q, %v; want %q, %v", tc.in, tc.max, tc.rest, got, err, tc.want, tc.err)
		}
		if err == nil && !tc.rest {
			// quoteArg writes each argument back so that it reads the same.
			var line string
			for _, a := range got {
				line += quoteArg(a) + " "
			}
			if again, err := splitArgs(line, -1, false); err != nil || !slices.Equal(again, got) {
				t.Errorf("quoted back as %q, read as %q, %v", line, again, err)
			}
		}
	}
}

func TestArgStart(t *testing.T) {
	for _, tc := range []struct {
		in    string
		start int
		word  string
	}{
		{"/roster group bob@x Wo", 20, "Wo"},
		{`/roster group bob@x "Old Fr`, 20, "Old Fr"},
		{`/roster group bob@x "Old Friends" `, 34, ""},
		{"hey c", 4, "c"},
	} {
		start, word := argStart(tc.in)
		if start != tc.start || word != tc.word {
			t.Errorf("argStart(%q) = %d %q, want %d %q", tc.in, start, word, tc.start, tc.word)
		}
	}
}

// TestQuotedArguments: one quoting rule for every command, and a contact
// named by its roster name.
func TestQuotedArguments(t *testing.T) {
	h, f := chatSetup(t)
	h.post(rosterEv(f,
		item("alice@example.org", "Alice", "Friends"),
		item("bob@example.org", "Bob Smith", "Friends"),
		item("bobby@example.org", "Bobby", "Work"),
		item("carol@example.org", "Carol"),
	))
	tests := []struct {
		line string
		call string // the account call it makes, "" for none
		err  string // the error shown, "" for none
	}{
		{`/roster group alice@example.org "Old Friends" Work`, `rosterset alice@example.org "Alice" ["Old Friends" "Work"]`, ""},
		{`/roster group "Bob Smith" "a \"quoted\" group"`, `rosterset bob@example.org "Bob Smith" ["a \"quoted\" group"]`, ""},
		{`/roster nick carol "Carol Jones"`, `rosterset carol@example.org "Carol Jones" []`, ""},
		{`/msg carol hi there`, "send carol@example.org hi there", ""},
		{`/msg "Bob Smith" hello "you"`, `send bob@example.org hello "you"`, ""},
		{`/msg car hey`, "send carol@example.org hey", ""},
		{`/msg bob hi`, "", `"bob" matches several contacts: Bob Smith (bob@example.org), Bobby (bobby@example.org)`},
		{`/msg Bobby yo`, "send bobby@example.org yo", ""},
		{`/msg nobody hi`, "", `no contact named "nobody" in the roster`},
		{`/sub allow "Bob Smith"`, "sub subscribed bob@example.org", ""},
		{`/roster group alice@example.org "Old`, "", "a quote is not closed"},
	}
	h.run("help")
	h.winHas(`"double quotes" make one argument of several words (\" is a quote, \\ a backslash)`)
	defer func() {
		// Completion writes a group with a space in quotes.
		h.post(account.RosterEvent{Base: base(f), Items: []account.RosterItem{item("alice@example.org", "Alice", "Old Friends")}})
		h.typeText(`/roster group carol@example.org "Old F`)
		h.key(tcell.KeyTab, 0, 0)
		h.inputIs(`/roster group carol@example.org "Old Friends" `)
		h.key(tcell.KeyCtrlU, 0, tcell.ModCtrl)
		h.typeText(`/roster group carol@example.org Ol`)
		h.key(tcell.KeyTab, 0, 0)
		h.inputIs(`/roster group carol@example.org "Old Friends" `)
	}()
	for _, tc := range tests {
		n := len(f.callList())
		h.run(tc.line[1:])
		if tc.call != "" {
			h.waitFor(tc.call, func() bool {
				c := f.callList()
				return len(c) > n && c[n] == tc.call
			})
		}
		if tc.err != "" {
			h.winHas(tc.err)
			if c := f.callList(); len(c) != n {
				t.Errorf("%s: called %q", tc.line, c[n:])
			}
		}
	}
}
