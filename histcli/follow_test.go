package histcli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	. "parley/history"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// take returns what was written since the last take.
func (s *syncBuffer) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.b.String()
	s.b.Reset()
	return out
}

// followRun runs `parley history --follow args` on dir until the test
// ends; poll makes it read the file once and returns what it printed.
func followRun(t *testing.T, dir string, args ...string) (first string, poll func() string, stderr *syncBuffer) {
	t.Helper()
	out, errb := &syncBuffer{}, &syncBuffer{}
	tick := make(chan time.Time)
	polled := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- runFollow(ctx, append([]string{"--follow"}, args...), dir, out, errb, time.UTC, tick,
			func() { polled <- struct{}{} })
	}()
	poll = func() string {
		t.Helper()
		select {
		case tick <- time.Time{}:
		case code := <-done:
			t.Fatalf("follow ended with %d: %s", code, errb.take())
		}
		<-polled
		return out.take()
	}
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("follow exited %d: %s", code, errb.take())
		}
	})
	return poll(), poll, errb // the history is printed before the first poll
}

// TestFollow: --follow prints the history, then each message appended as
// it is written, once; a correction, reaction or retraction prints its
// message again in its new state; the retraction's erase replaces the file
// atomically and the follow goes on in the new file; a line being written
// waits for its end.
func TestFollow(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	add := func(r Record) {
		t.Helper()
		if _, err := s.Append(me, bob, r); err != nil {
			t.Fatal(err)
		}
	}
	add(Record{Time: at(0), Dir: In, From: bob + "/phone", Type: "chat", ID: "b1", Body: "before the follow"})
	first, poll, stderr := followRun(t, dir, bob)
	steps := []struct {
		name string
		rec  *Record
		do   func()
		want string
	}{
		{"nothing new", nil, nil, ""},
		{"a message", &Record{Time: at(60), Dir: Out, From: me + "/parley", Type: "chat", ID: "m1", OriginID: "m1", Body: "typed\nin two lines"}, nil,
			"2026-11-23 14:06:09  me@example.org: typed\n  in two lines\n"},
		{"a reaction to a message printed before the follow", &Record{Time: at(61), Dir: Out, Kind: KindReactions, From: me + "/parley", Type: "chat", ID: "r1", Ref: "b1", Emojis: []string{"👍"}}, nil,
			"2026-11-23 14:05:09  bob@example.net: before the follow\n  👍 1*\n"},
		{"a correction", &Record{Time: at(62), Dir: Out, Kind: KindCorrection, From: me + "/parley", Type: "chat", ID: "m2", Replaces: "m1", Body: "typed in one line"}, nil,
			"2026-11-23 14:06:09  me@example.org: typed in one line (edited)\n"},
		{"a marker shows nothing", &Record{Time: at(63), Dir: In, Kind: KindMarker, From: bob + "/phone", Type: "chat", ID: "k1", Ref: "m1", Body: "displayed"}, nil, ""},
		{"a secret", &Record{Time: at(64), Dir: In, From: bob + "/phone", Type: "chat", ID: "x", Body: "my password is hunter2"}, nil,
			"2026-11-23 14:06:13  bob@example.net: my password is hunter2\n"},
		{"its retraction, erased from the file", &Record{Time: at(65), Dir: In, Kind: KindRetract, From: bob + "/phone", Type: "chat", ID: "y", Ref: "x"},
			func() {
				if err := s.Erase(me, bob); err != nil {
					t.Fatal(err)
				}
			},
			"2026-11-23 14:06:13  bob@example.net: (message retracted)\n"},
		{"a message after the rewrite", &Record{Time: at(66), Dir: In, From: bob + "/phone", Type: "chat", ID: "b2", Body: "after the erase"}, nil,
			"2026-11-23 14:06:15  bob@example.net: after the erase\n"},
	}
	if first != "2026-11-23 14:05:09  bob@example.net: before the follow\n" {
		t.Fatalf("history printed first: %q", first)
	}
	for _, st := range steps {
		if st.rec != nil {
			add(*st.rec)
		}
		if st.do != nil {
			st.do()
		}
		if got := poll(); got != st.want {
			t.Errorf("%s: printed %q, want %q", st.name, got, st.want)
		}
	}
	path := dir + "/" + EncodeName(me) + "/" + EncodeName(bob) + ".jsonl"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("hunter2")) {
		t.Fatal("the erase did not rewrite the file")
	}
	s.Close() // the rest is written by hand: a line in two writes
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line := `{"v":2,"t":"2026-11-23T15:00:00.000Z","dir":"in","from":"bob@example.net/p","type":"chat","body":"written in two halves"}` + "\n"
	f.WriteString(line[:40])
	if got := poll(); got != "" {
		t.Errorf("half a line printed %q", got)
	}
	f.WriteString(line[40:])
	if got := poll(); got != "2026-11-23 15:00:00  bob@example.net: written in two halves\n" {
		t.Errorf("the completed line printed %q", got)
	}
	if e := stderr.take(); e != "" {
		t.Errorf("stderr %q", e)
	}
}

// TestFollowJSON: with --json the follow prints objects, an update marked.
func TestFollowJSON(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	if _, err := s.Append(me, bob, Record{Time: at(0), Dir: In, From: bob + "/phone", Type: "chat", ID: "b1", Body: "hi"}); err != nil {
		t.Fatal(err)
	}
	first, poll, _ := followRun(t, dir, "--json", "--grep", "hi", bob)
	if !strings.Contains(first, `"body":"hi"`) {
		t.Fatalf("first %q", first)
	}
	s.Append(me, bob, Record{Time: at(1), Dir: In, From: bob + "/phone", Type: "chat", ID: "b2", Body: "other text"})
	s.Append(me, bob, Record{Time: at(2), Dir: In, Kind: KindCorrection, From: bob + "/phone", Type: "chat", ID: "b3", Replaces: "b1", Body: "hi there"})
	got := poll()
	want := `{"account":"me@example.org","conv":"bob@example.net","time":"2026-11-23T14:05:09.123Z","dir":"in","from":"bob@example.net/phone","type":"chat","id":"b1","body":"hi there","edited":true,"update":true}` + "\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
