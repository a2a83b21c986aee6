package history

import (
	"os"
	"testing"
	"time"
)

// TestAppended: End and Appended read what was written after a point, from
// a line start whatever offset they are given, leave a line being written
// for later, and go on from the new end of a file cut short.
func TestAppended(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	add := func(body string) {
		t.Helper()
		if _, err := s.Append("me@x", "bob@x", Record{Time: t0, Dir: In, From: "bob@x/r", Type: "chat", Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	if end, err := s.End("me@x", "bob@x"); end != 0 || err != nil {
		t.Fatalf("End of no file: %d %v", end, err)
	}
	add("one")
	end, err := s.End("me@x", "bob@x")
	if err != nil {
		t.Fatal(err)
	}
	add("two")
	add("three")
	read := func(off int64) ([]string, int64) {
		t.Helper()
		var bodies []string
		next, err := s.Appended("me@x", "bob@x", off, func(r Record) bool {
			bodies = append(bodies, r.Body)
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		return bodies, next
	}
	got, next := read(end)
	if len(got) != 2 || got[0] != "two" || got[1] != "three" {
		t.Fatalf("after End: %q", got)
	}
	if got, _ := read(end + 3); len(got) != 1 || got[0] != "three" {
		t.Errorf("from the middle of a line: %q, want the next line on", got)
	}
	if got, n := read(next); len(got) != 0 || n != next {
		t.Errorf("at the end: %q %d", got, n)
	}
	path, _ := s.paths("me@x", "bob@x")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString(`{"v":2,"t":"2026-01-02T03:04:05.000Z","dir":"in",`)
	if got, n := read(next); len(got) != 0 || n != next {
		t.Errorf("half a line: %q %d", got, n)
	}
	f.WriteString(`"from":"bob@x/r","type":"chat","body":"four"}` + "\n")
	got, after := read(next)
	if len(got) != 1 || got[0] != "four" {
		t.Errorf("the completed line: %q", got)
	}
	if err := os.Truncate(path, end); err != nil {
		t.Fatal(err)
	}
	got, after = read(after)
	if len(got) != 0 || after != end {
		t.Errorf("cut short: %q, next %d, want nothing and %d", got, after, end)
	}
	add("five")
	if got, _ := read(after); len(got) != 1 || got[0] != "five" {
		t.Errorf("after the file was cut short: %q", got)
	}
}
