package render

import (
	"reflect"
	"strings"
	"testing"

	"parley/history"
	"parley/sanitize"
)

func TestLines(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		want []string
	}{
		{"plain", Message{Body: "hi"}, []string{"hi"}},
		{"edited", Message{Body: "a\nb", Edited: true}, []string{"a", "b (edited)"}},
		{"edited to empty", Message{Body: "", Edited: true}, []string{"(edited)"}},
		{"retracted", Message{Body: "secret", Retracted: true}, []string{"(message retracted)"}},
		{"moderated", Message{Moderated: true, By: "r@m/mod\x1b[31m", Reason: "spam\u200b!"}, []string{"(removed by moderator mod: spam!)"}},
		{"moderated anonymously", Message{Moderated: true}, []string{"(removed by moderator)"}},
		{"hostile", Message{Body: "\x1b[31mred\u202e\u200bx" + "e\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301"},
			[]string{"redxe\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Lines(tt.m, tt.m.Body); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReactionsLine(t *testing.T) {
	got := ReactionsLine([]history.Reaction{{Emoji: "👍", Count: 2, Ours: true}, {Emoji: "❤", Count: 1}, {Emoji: "\x1b[2J", Count: 1}})
	if want := "👍 2*  ❤ 1"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if ReactionsLine(nil) != "" {
		t.Fatal("no reactions, no line")
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ who, text, want string }{
		{"alice", "lunch\ntomorrow?", "> alice: lunch tomorrow?"},
		{"", "hi", "> hi"},
		{"al\x1b[31mice", "", "> alice: …"},
		{"bob", "a very long message that goes on and on well past the sixty cells of a quote", "> bob: a very long message that goes on and on well past the sixty…"},
	}
	for _, tt := range tests {
		if got := QuoteLine(tt.who, tt.text); got != tt.want {
			t.Errorf("QuoteLine(%q, %q) = %q, want %q", tt.who, tt.text, got, tt.want)
		}
	}
	if got := FallbackText("> alice wrote:\n> lunch?\n>> older\n", true); got != "lunch? older" {
		t.Errorf("FallbackText = %q", got)
	}
	if got := FallbackText("> lunch?\n", false); got != "lunch?" {
		t.Errorf("FallbackText = %q", got)
	}
	if got := FallbackText("> note:\n", true); got != "note:" {
		t.Errorf("FallbackText = %q", got)
	}
}

// FuzzQuote: whatever a hostile reply carries, its quote line is one line
// of text, sanitized, and bounded in width.
func FuzzQuote(f *testing.F) {
	f.Add("ann", "> ann wrote:\n> lunch?\n")
	f.Add("\x1b[31m", "\u202e\u200b>>>> \r\n\x07")
	f.Add("", strings.Repeat("e\u0301", 200))
	f.Fuzz(func(t *testing.T, who, quote string) {
		line := QuoteLine(who, FallbackText(quote, who != ""))
		if sanitize.Text(line) != line || strings.ContainsAny(line, "\n\r\x1b") {
			t.Fatalf("unsanitized quote line %q", line)
		}
		if w := sanitize.Width(line); w > 2+QuoteWhoWidth+2+QuoteWidth {
			t.Fatalf("quote line %q is %d cells wide", line, w)
		}
	})
}
