package msg

import (
	"testing"
	"time"

	"mellium.im/xmpp/jid"
)

func TestStripRanges(t *testing.T) {
	tests := []struct {
		name string
		s    string
		rs   []Range
		want string
	}{
		{"none", "hello", nil, "hello"},
		{"prefix", "> quote\nanswer", []Range{{0, 8}}, "answer"},
		{"whole", "fallback text", []Range{{0, WholeBody}}, ""},
		{"code points", "> 👍 ok\nyes", []Range{{0, 7}}, "yes"},
		{"two unordered", "aXbYc", []Range{{3, 4}, {1, 2}}, "abc"},
		{"overlap", "abcdef", []Range{{1, 4}, {2, 5}}, "af"},
		{"inverted and negative", "abc", []Range{{2, 1}, {-5, 1}}, "bc"},
		{"past end", "abc", []Range{{2, 99}}, "ab"},
		{"start past end", "abc", []Range{{10, 20}}, "abc"},
		{"invalid utf8", "a\xffb", []Range{{1, 2}}, "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StripRanges(tt.s, tt.rs); got != tt.want {
				t.Errorf("StripRanges(%q, %v) = %q, want %q", tt.s, tt.rs, got, tt.want)
			}
		})
	}
}

func TestMessageHelpers(t *testing.T) {
	room := jid.MustParse("room@muc.example")
	acct := jid.MustParse("me@example")
	recv := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := Message{
		From:       jid.MustParse("room@muc.example/alice"),
		StanzaIDs:  []StanzaID{{ID: "forged", By: "me@example/res"}, {ID: "r1", By: "room@muc.example"}, {ID: "a1", By: "ME@example"}},
		Received:   recv,
		Body:       "> alice: hi\nhello",
		Fallbacks:  []Fallback{{For: "urn:xmpp:reply:0", Body: []Range{{0, 12}}}},
		OccupantID: "occ",
	}
	if got := m.StanzaIDBy(room); got != "r1" {
		t.Errorf("StanzaIDBy(room) = %q", got)
	}
	if got := m.StanzaIDBy(acct); got != "a1" {
		t.Errorf("StanzaIDBy(account) = %q (a by with a resource must not count; case folds)", got)
	}
	if got := m.StanzaIDBy(jid.JID{}); got != "" {
		t.Errorf("StanzaIDBy(zero) = %q", got)
	}
	if got := m.Time(); !got.Equal(recv) {
		t.Errorf("Time without delay = %v", got)
	}
	sent := recv.Add(-time.Hour)
	m.Sent = sent
	if got := m.Time(); !got.Equal(sent) {
		t.Errorf("Time with delay = %v", got)
	}
	if s := m.Sender(); s.Resource != "alice" || !s.Bare.Equal(room) || s.OccupantID != "occ" {
		t.Errorf("Sender = %+v", s)
	}
	if got := m.StripFallback("urn:xmpp:reply:0"); got != "hello" {
		t.Errorf("StripFallback(reply) = %q", got)
	}
	if got := m.StripFallback("urn:other"); got != m.Body {
		t.Errorf("StripFallback(other) = %q", got)
	}
	for k, want := range map[Kind]string{Normal: "normal", Chat: "chat", Groupchat: "groupchat", Private: "private", Headline: "headline", Error: "error"} {
		if k.String() != want {
			t.Errorf("Kind(%d) = %q", k, k.String())
		}
	}
	for s, want := range map[ChatState]string{NoState: "", Active: "active", Composing: "composing", Paused: "paused", Inactive: "inactive", Gone: "gone"} {
		if s.String() != want {
			t.Errorf("ChatState(%d) = %q", s, s.String())
		}
	}
	for k, want := range map[MarkerKind]string{NoMarker: "", Received: "received", Displayed: "displayed", Acknowledged: "acknowledged"} {
		if k.String() != want {
			t.Errorf("MarkerKind(%d) = %q", k, k.String())
		}
	}
}

func FuzzStripRanges(f *testing.F) {
	f.Add("> quote\nanswer", 0, 8, 3, 2)
	f.Add("👍👍👍", 1, 2, -1, 99)
	f.Fuzz(func(t *testing.T, s string, a, b, c, d int) {
		out := StripRanges(s, []Range{{a, b}, {c, d}})
		if len(out) > len(s) {
			t.Fatalf("output longer than input")
		}
	})
}
