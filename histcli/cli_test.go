package histcli

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	. "parley/history"
)

const (
	me   = "me@example.org"
	bob  = "bob@example.net"
	room = "room@muc.example.net"
)

var t0 = time.Date(2026, 11, 23, 14, 5, 9, 123e6, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func openT(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

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
		Body: "evil \x1b[2J\x1b]0;title\x07 \u202eoverride\u202c \u0085c1 \x7fdel\ttab\r \x1b[31mred\x1b[0m z\u200bw e" + strings.Repeat("\u0301", 40)})
	add(me, room, Record{Time: at(1), Dir: In, Kind: "join", From: room + "/alice", Nick: "alice"}) // an unknown kind
	add(me, room, Record{Time: at(2), Dir: In, From: room + "/alice", Nick: "alice", Type: "groupchat", Body: "seen?", StanzaID: "s0", StanzaBy: room})
	add(me, room, Record{Time: at(3), Dir: In, From: room + "/alice", Nick: "alice", Type: "groupchat", ID: "l1", Body: "Lunch?", StanzaID: "s1", StanzaBy: room})
	add(me, room, Record{Time: at(4), Dir: In, Kind: KindCorrection, From: room + "/alice", Nick: "alice", Type: "groupchat", ID: "l2", Replaces: "l1", Body: "Lunch at noon?"})
	add(me, room, Record{Time: at(5), Dir: In, Kind: KindReactions, From: room + "/eve", Nick: "eve", Type: "groupchat", ID: "r1", Ref: "s1", Emojis: []string{"👍"}})
	add(me, room, Record{Time: at(6), Dir: In, From: room + "/bo\x1b[1mb", Nick: "bo\x1b[1mb", Type: "groupchat", Body: "spam", StanzaID: "s2", StanzaBy: room})
	add(me, room, Record{Time: at(6), Dir: In, Kind: KindModerate, From: room, Type: "groupchat", Ref: "s2", By: room + "/mod", Body: "no ads"})
	add(me, bob, Record{Time: at(3600 * 31), Dir: In, From: bob + "/phone", Type: "chat", ID: "x", Body: "my password is hunter2"})
	add(me, bob, Record{Time: at(3600 * 31), Dir: In, Kind: KindRetract, From: bob + "/phone", Type: "chat", ID: "y", Ref: "x"})
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
				"2026-11-24 20:05:09  bob@example.net: evil  override \n  c1 del tab\n   red zw e" + strings.Repeat("\u0301", 8) + "\n" +
				"2026-11-24 21:05:09  bob@example.net: (message retracted)\n", ""},
		{"case-insensitive peer, --grep, --since", []string{"--grep", "EVIL", "BOB@example.net", "--since=2026-11-24"}, 0,
			"2026-11-24 20:05:09  bob@example.net: evil  override \n  c1 del tab\n   red zw e" + strings.Repeat("\u0301", 8) + "\n", ""},
		{"a retracted text is not found", []string{"--grep", "hunter", bob}, 1, "", ""},
		{"since RFC 3339 excludes all", []string{bob, "--since", "2027-01-01T00:00:00Z"}, 1, "", ""},
		{"room needs --account", []string{room}, 2, "", "several accounts"},
		{"room", []string{"--account", me, room}, 0,
			"2026-11-23 14:05:11  alice: seen?\n" +
				"2026-11-23 14:05:12  alice: Lunch at noon? (edited)\n  👍 1\n" +
				"2026-11-23 14:05:15  bob: (removed by moderator mod: no ads)\n", ""},
		{"--account by a prefix, as -a takes it", []string{"--account", "ot", room}, 0, "2026-11-23 14:05:17  x: other account\n", ""},
		{"--account ignoring case", []string{"--account", "OTHER@example.com", room}, 0, "2026-11-23 14:05:17  x: other account\n", ""},
		{"--account of none", []string{"--account", "bo", room}, 2, "", `no account "bo"`},
		{"room private chat", []string{room + "/alicia"}, 0, "2026-11-23 14:05:16  alicia: psst\n", ""},
		{"no such peer", []string{"nobody@x"}, 1, "", "no history with nobody@x"},
		{"usage: no peer", []string{"--grep", "x"}, 2, "", "usage:"},
		{"usage: bad date", []string{bob, "--since", "tuesday"}, 2, "", "YYYY-MM-DD"},
		{"usage: unknown flag", []string{bob, "--tail"}, 2, "", "unknown flag"},
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

// TestOverlongLine: a line past the reader's bound (a run of NUL bytes a
// crash left) is skipped with a warning on stderr, and the records around
// it are printed.
func TestOverlongLine(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	if _, err := s.Append(me, bob, Record{Time: at(0), Dir: In, From: bob + "/p", Type: "chat", Body: "before"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	path := dir + "/" + EncodeName(me) + "/" + EncodeName(bob) + ".jsonl"
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(append(bytes.Repeat([]byte{0}, 2<<20), '\n'))
	f.WriteString(`{"v":1,"t":"2026-11-23T15:00:00.000Z","dir":"in","from":"bob@example.net/p","type":"chat","body":"after"}` + "\n")
	f.Close()
	var out, errb bytes.Buffer
	if code := runCLI([]string{bob}, dir, &out, &errb, time.UTC); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "before") || !strings.Contains(out.String(), "after") || !strings.Contains(errb.String(), "skipped") {
		t.Fatalf("stdout %q stderr %q", out.String(), errb.String())
	}
}

// TestReplyQuote: a reply is printed with the quote of the message it
// answers, as the window shows it: that message's sender and first line
// when it was printed before, else the reply's fallback quote; the quote
// of a retracted message is its tombstone.
func TestReplyQuote(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	add := func(conv string, r Record) {
		t.Helper()
		if _, err := s.Append(me, conv, r); err != nil {
			t.Fatal(err)
		}
	}
	gc := func(sec int, nick, sid, body string) Record {
		return Record{Time: at(sec), Dir: In, From: room + "/" + nick, Nick: nick, Type: "groupchat", ID: nick + sid, StanzaID: sid, StanzaBy: room, Body: body}
	}
	add(room, gc(0, "alice", "s1", "Lunch?\nat noon"))
	r := gc(1, "bob", "s2", "yes")
	r.ReplyID, r.ReplyTo, r.Quote = "s1", room+"/alice", "> alice wrote:\n> Lunch?\n"
	add(room, r)
	r = gc(2, "carol", "s3", "in the drawer")
	r.ReplyID, r.ReplyTo, r.Quote = "s0", room+"/dan", "> dan wrote:\n> where are the keys?\n"
	add(room, r)
	add(bob, Record{Time: at(3), Dir: In, From: bob + "/phone", Type: "chat", ID: "h1", Body: "my secret"})
	add(bob, Record{Time: at(4), Dir: Out, From: me + "/parley", Type: "chat", ID: "m1", Body: "noted", ReplyID: "h1", ReplyTo: bob + "/phone"})
	add(bob, Record{Time: at(5), Dir: In, Kind: KindRetract, From: bob + "/phone", Type: "chat", ID: "x1", Ref: "h1"})
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{room}, "2026-11-23 14:05:09  alice: Lunch?\n  at noon\n" +
			"2026-11-23 14:05:10  bob: > alice: Lunch? …\n  yes\n" +
			"2026-11-23 14:05:11  carol: > dan: where are the keys?\n  in the drawer\n"},
		{[]string{bob}, "2026-11-23 14:05:12  bob@example.net: (message retracted)\n" +
			"2026-11-23 14:05:13  me@example.org: > bob@example.net: (message retracted)\n  noted\n"},
	} {
		var out, errb bytes.Buffer
		if code := runCLI(tt.args, dir, &out, &errb, time.UTC); code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, code, errb.String())
		}
		if out.String() != tt.want {
			t.Errorf("%v: stdout\n%s\nwant\n%s", tt.args, out.String(), tt.want)
		}
	}
}
