package histcli

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "parley/history"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixture stores a room and a chat with every kind of record, hostile text
// included, and returns the history directory.
func fixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s := openT(t, dir)
	add := func(conv string, r Record) {
		t.Helper()
		if _, err := s.Append(me, conv, r); err != nil {
			t.Fatal(err)
		}
	}
	add(bob, Record{Time: at(0), Dir: In, From: bob + "/phone", Type: "chat", ID: "b1", Body: "hello <b>&\ntwo lines"})
	add(bob, Record{Time: at(1), Dir: Out, From: me + "/parley", Type: "chat", ID: "m1", OriginID: "m1", Body: "evil \x1b]0;title\x07\u202egnp.exe\u202c tab\tend", ReplyID: "b1"})
	add(bob, Record{Time: at(2), Dir: In, Kind: KindMarker, From: bob + "/phone", Type: "chat", ID: "k1", Ref: "m1", Body: "displayed"})
	add(bob, Record{Time: at(3), Dir: In, From: bob + "/phone", Type: "chat", ID: "x", Body: "my password is hunter2"})
	add(bob, Record{Time: at(4), Dir: In, Kind: KindRetract, From: bob + "/phone", Type: "chat", ID: "y", Ref: "x"})
	add(room, Record{Time: at(5), Dir: In, From: room + "/alice", Nick: "alice", Type: "groupchat", ID: "l1", Body: "Lunch?", StanzaID: "s1", StanzaBy: room})
	add(room, Record{Time: at(6), Dir: In, Kind: KindCorrection, From: room + "/alice", Nick: "alice", Type: "groupchat", ID: "l2", Replaces: "l1", Body: "Lunch at noon?"})
	add(room, Record{Time: at(7), Dir: In, Kind: KindReactions, From: room + "/eve", Nick: "eve", Type: "groupchat", ID: "r1", Ref: "s1", Emojis: []string{"👍", "\x1b[5m🍕"}})
	add(room, Record{Time: at(8), Dir: In, From: room + "/bo\x1b[1mb", Nick: "bo\x1b[1mb", Type: "groupchat", Body: "spam", StanzaID: "s2", StanzaBy: room})
	add(room, Record{Time: at(9), Dir: In, Kind: KindModerate, From: room, Type: "groupchat", Ref: "s2", By: room + "/mod", Body: "no \x07ads"})
	return dir
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\ngot\n%s\nwant\n%s", name, got, want)
	}
}

// TestJSON: --json prints one object per message of the folded view, text
// fields sanitized (no escape sequence, control or bidi character reaches
// a terminal through jq -r), the golden file fixes the format.
func TestJSON(t *testing.T) {
	dir := fixture(t)
	var all strings.Builder
	for _, args := range [][]string{{"--json", bob}, {"--account", me, room, "--json"}} {
		var out, errb bytes.Buffer
		if code := runCLI(args, dir, &out, &errb, time.UTC); code != 0 {
			t.Fatalf("%q: exit %d, %s", args, code, errb.String())
		}
		for _, line := range strings.SplitAfter(out.String(), "\n") {
			if line == "" {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("not a JSON line: %q: %v", line, err)
			}
			for k, v := range m {
				if s, ok := v.(string); ok && strings.ContainsFunc(s, func(r rune) bool {
					return r < 0x20 && r != '\n' || r == 0x7f || r == '\u202e'
				}) {
					t.Errorf("field %s not sanitized: %q", k, s)
				}
			}
		}
		all.WriteString(out.String())
	}
	golden(t, "history.jsonl", all.String())

	var out, errb bytes.Buffer
	if code := runCLI([]string{"--json", "--grep", "HELLO", bob}, dir, &out, &errb, time.UTC); code != 0 || strings.Count(out.String(), "\n") != 1 {
		t.Errorf("--json --grep: exit %d, %q", code, out.String())
	}
}
