package history

import "testing"

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\x1b[31mred", "a[31mred"},
		{"bell\x07 nul\x00 del\x7f", "bell nul del"},
		{"c1 \u009b2J csi", "c1 2J csi"},
		{"\u202egnp.exe \u2066iso\u2069 \u200fmark", "gnp.exe iso mark"},
		{"tab\tkept", "tab\tkept"},
		{"line\nbreak", "line\n  break"},
		{"bad \xff utf8", "bad \ufffd utf8"},
		{"emoji 😀 ok", "emoji 😀 ok"},
	}
	for _, tt := range tests {
		if got := sanitize(tt.in); got != tt.want {
			t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMatchAccount(t *testing.T) {
	accounts := []string{"bob@example.org", "bobby@example.org", "alice@work.example", "Carol@x.org"}
	for _, tc := range []struct{ name, want, err string }{
		{"bob@example.org", "bob@example.org", ""},
		{"BOB@example.org", "bob@example.org", ""},
		{"bobb", "bobby@example.org", ""},
		{"al", "alice@work.example", ""},
		{"carol", "Carol@x.org", ""},
		{"bo", "", `account "bo" is ambiguous: bob@example.org, bobby@example.org`},
		{"dave", "", `no account "dave"`},
		{"\x1b[2J", "", `no account "[2J"`},
	} {
		got, err := MatchAccount(accounts, tc.name)
		if got != tc.want || tc.err == "" && err != nil || tc.err != "" && (err == nil || err.Error() != tc.err) {
			t.Errorf("MatchAccount(%q) = %q, %v; want %q, %q", tc.name, got, err, tc.want, tc.err)
		}
	}
}
