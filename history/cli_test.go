package history

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestRunCLI(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	add := func(acct, conv string, r Record) {
		t.Helper()
		if _, err := s.Append(acct, conv, r); err != nil {
			t.Fatal(err)
		}
	}
	add(me, bob, Record{Time: at(0), Dir: In, From: bob + "/phone", Type: "chat", Body: "hello"})
	add(me, bob, Record{Time: at(61), Dir: Out, From: me + "/parley", Type: "chat", Body: "two\nlines"})
	add(me, bob, Record{Time: at(3600 * 30), Dir: In, From: bob + "/phone", Type: "chat",
		Body: "evil \x1b[2J\x1b]0;title\x07 \u202eoverride\u202c \u0085c1 \x7fdel\ttab\r"})
	add(me, room, Record{Time: at(1), Dir: In, Kind: KindJoin, From: room + "/alice", Nick: "alice"})
	add(me, room, Record{Time: at(2), Dir: In, Kind: KindSubject, From: room + "/alice", Nick: "alice", Type: "groupchat", Body: "plans"})
	add(me, room, Record{Time: at(3), Dir: In, From: room + "/alice", Nick: "alice", Type: "groupchat", Body: "Lunch?"})
	add(me, room, Record{Time: at(4), Dir: In, Kind: KindNick, From: room + "/alice", Nick: "alice", Body: "alicia"})
	add(me, room, Record{Time: at(5), Dir: In, Kind: KindKick, From: room + "/eve", Nick: "eve", Body: "spam"})
	add(me, room, Record{Time: at(6), Dir: In, Kind: KindLeave, From: room + "/bo\x1b[1mb", Nick: "bo\x1b[1mb"})
	add(me, room+"/alicia", Record{Time: at(7), Dir: In, From: room + "/alicia", Type: "chat", Body: "psst"})
	add("other@example.com", room, Record{Time: at(8), Dir: In, From: room + "/x", Nick: "x", Type: "groupchat", Body: "other account"})

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"chat", []string{bob}, 0,
			"2026-11-23 14:05:09  bob@example.net: hello\n" +
				"2026-11-23 14:06:10  me@example.org: two\n  lines\n" +
				"2026-11-24 20:05:09  bob@example.net: evil [2J]0;title override c1 del\ttab\n", ""},
		{"case-insensitive peer, --grep, --since", []string{"--grep", "EVIL", "BOB@example.net", "--since=2026-11-24"}, 0,
			"2026-11-24 20:05:09  bob@example.net: evil [2J]0;title override c1 del\ttab\n", ""},
		{"since RFC 3339 excludes all", []string{bob, "--since", "2027-01-01T00:00:00Z"}, 1, "", ""},
		{"room needs --account", []string{room}, 2, "", "several accounts"},
		{"room", []string{"--account", me, room}, 0,
			"2026-11-23 14:05:10  * alice joined\n" +
				"2026-11-23 14:05:11  * alice set the subject: plans\n" +
				"2026-11-23 14:05:12  alice: Lunch?\n" +
				"2026-11-23 14:05:13  * alice is now known as alicia\n" +
				"2026-11-23 14:05:14  * eve was kicked: spam\n" +
				"2026-11-23 14:05:15  * bo[1mb left\n", ""},
		{"--account by a prefix, as -a takes it", []string{"--account", "ot", room}, 0, "2026-11-23 14:05:17  x: other account\n", ""},
		{"--account ignoring case", []string{"--account", "OTHER@example.com", room}, 0, "2026-11-23 14:05:17  x: other account\n", ""},
		{"--account of none", []string{"--account", "bo", room}, 2, "", `no account "bo"`},
		{"room private chat", []string{room + "/alicia"}, 0, "2026-11-23 14:05:16  alicia: psst\n", ""},
		{"no such peer", []string{"nobody@x"}, 1, "", "no history with nobody@x"},
		{"usage: no peer", []string{"--grep", "x"}, 2, "", "usage:"},
		{"usage: bad date", []string{bob, "--since", "tuesday"}, 2, "", "YYYY-MM-DD"},
		{"usage: unknown flag", []string{bob, "--follow"}, 2, "", "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := runCLI(tt.args, dir, &out, &errb, time.UTC)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, errb.String())
			}
			if out.String() != tt.stdout {
				t.Fatalf("stdout\n%q\nwant\n%q", out.String(), tt.stdout)
			}
			if !strings.Contains(errb.String(), tt.stderr) {
				t.Fatalf("stderr %q, want it to contain %q", errb.String(), tt.stderr)
			}
		})
	}
}

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
