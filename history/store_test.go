package history

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func msg(i int) Record {
	return Record{Time: at(i), Dir: In, From: bob + "/r", Type: "chat", ID: fmt.Sprintf("m%d", i), Body: fmt.Sprintf("message %d", i)}
}

func bodies(recs []Record) string {
	var b []string
	for _, r := range recs {
		b = append(b, r.Body)
	}
	return strings.Join(b, "|")
}

func seq(from, to int) string {
	var b []string
	for i := from; i <= to; i++ {
		b = append(b, fmt.Sprintf("message %d", i))
	}
	return strings.Join(b, "|")
}

func TestPaging(t *testing.T) {
	s := openT(t, t.TempDir())
	// 20..39 live, then two older archive pages: 10..19 then 0..9.
	for i := 20; i < 40; i++ {
		if _, err := s.Append(me, bob, msg(i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, page := range [][2]int{{10, 19}, {0, 9}} {
		var p []Record
		for i := page[0]; i <= page[1]; i++ {
			p = append(p, msg(i))
		}
		if n, err := s.AppendOlder(me, bob, p); err != nil || n != 10 {
			t.Fatalf("AppendOlder = %d, %v", n, err)
		}
	}
	if n, _ := s.AppendOlder(me, bob, []Record{msg(5), msg(25)}); n != 0 {
		t.Fatalf("duplicates stored in older page: %d", n)
	}
	recs, c, err := s.Tail(me, bob, 15)
	if err != nil || bodies(recs) != seq(25, 39) {
		t.Fatalf("Tail: %v %s", err, bodies(recs))
	}
	recs, c, _ = s.Before(me, bob, c, 15) // crosses into the older file
	if bodies(recs) != seq(10, 24) || c.Done() {
		t.Fatalf("Before 1: %s", bodies(recs))
	}
	recs, c, _ = s.Before(me, bob, c, 15)
	if bodies(recs) != seq(0, 9) || !c.Done() {
		t.Fatalf("Before 2: %s done=%v", bodies(recs), c.Done())
	}
	if recs, _, _ = s.Before(me, bob, c, 15); len(recs) != 0 {
		t.Fatal("Before past the start returned records")
	}

	// Search finds positions; Around shows them in context, in both files.
	for _, target := range []int{3, 15, 22, 39} {
		var hit Hit
		err := s.Search(context.Background(), Query{Text: fmt.Sprintf("MESSAGE %d", target)}, func(h Hit) bool {
			if h.Record.Body == fmt.Sprintf("message %d", target) {
				hit = h
				return false
			}
			return true
		})
		if err != nil || hit.Record.Body == "" {
			t.Fatalf("search %d: %v", target, err)
		}
		recs, i, older, newer, err := s.Around(me, bob, hit.Pos, 2)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := max(target-2, 0), min(target+2, 39)
		if bodies(recs) != seq(lo, hi) || recs[i].Body != hit.Record.Body {
			t.Fatalf("Around %d: %s (hit %d)", target, bodies(recs), i)
		}
		more, newer2, _ := s.After(me, bob, newer, 3)
		if hi < 39 && bodies(more) != seq(hi+1, min(hi+3, 39)) {
			t.Fatalf("After %d: %s", target, bodies(more))
		}
		if min(hi+3, 39) == 39 && !newer2.Done() {
			t.Fatalf("After %d: not done at the end", target)
		}
		prev, _, _ := s.Before(me, bob, older, 1)
		if lo > 0 && bodies(prev) != seq(lo-1, lo-1) {
			t.Fatalf("Before from Around %d: %s", target, bodies(prev))
		}
	}
	// Search order: time order within a conversation.
	var all []Record
	s.Search(context.Background(), Query{Account: me, Conv: bob}, func(h Hit) bool { all = append(all, h.Record); return true })
	if bodies(all) != seq(0, 39) {
		t.Fatalf("Search all: %s", bodies(all))
	}
}

func TestSearchAcrossConversations(t *testing.T) {
	s := openT(t, t.TempDir())
	add := func(acct, conv, body string, sec int) {
		if _, err := s.Append(acct, conv, Record{Time: at(sec), Dir: In, From: conv, Type: "chat", Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	add(me, bob, "Lunch tomorrow?", 1)
	add(me, bob, "no", 2)
	add(me, room, "who wants LUNCH", 3)
	add("other@example.com", "carol@example.com", "lunch at noon", 4)
	add("other@example.com", "carol@example.com", "Ünïcode LUNCH café", 5)
	add(me, "k@x", "\u212aelvin", 6)
	tests := []struct {
		q    Query
		want string
	}{
		{Query{Text: "lunch"}, "Lunch tomorrow?|who wants LUNCH|lunch at noon|Ünïcode LUNCH café"},
		{Query{Text: "lunch", Account: me}, "Lunch tomorrow?|who wants LUNCH"},
		{Query{Text: "lunch", Conv: room}, "who wants LUNCH"},
		{Query{Text: "CAFÉ"}, "Ünïcode LUNCH café"},
		{Query{Text: "lunch", Since: at(4)}, "lunch at noon|Ünïcode LUNCH café"},
		{Query{Text: "kelvin"}, "\u212aelvin"},
		{Query{Text: "nothing"}, ""},
	}
	for _, tt := range tests {
		var got []Record
		if err := s.Search(context.Background(), tt.q, func(h Hit) bool { got = append(got, h.Record); return true }); err != nil {
			t.Fatal(err)
		}
		if bodies(got) != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.q, bodies(got), tt.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Search(ctx, Query{Text: "lunch"}, func(Hit) bool { return true }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled search: %v", err)
	}
}

func TestConversationsAndLongNames(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	long := room + "/" + strings.Repeat("Ñ", 150)
	convs := []string{bob, "Bob@example.net", room, room + "/Nick", long}
	for _, c := range convs {
		if _, err := s.Append(me, c, msg(1)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Append(strings.Repeat("a", 300)+"@x", bob, msg(1)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Conversations()
	if err != nil {
		t.Fatal(err)
	}
	want := []Conv{{strings.Repeat("a", 300) + "@x", bob}, {me, "Bob@example.net"}, {me, bob}, {me, room}, {me, room + "/Nick"}, {me, long}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Conversations\n%q\nwant\n%q", got, want)
	}
	if recs, _, _ := s.Tail(me, long, 5); len(recs) != 1 {
		t.Fatal("long-named conversation not readable")
	}
}

func TestMalformedLinesSkipped(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	s.Append(me, bob, msg(1))
	mainPath, _ := s.paths(me, bob)
	f, _ := os.OpenFile(mainPath, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("hand edited garbage\n{\"v\":1}\n\n")
	f.Close()
	s.Append(me, bob, msg(2))
	recs, _, err := s.Tail(me, bob, 10)
	if err != nil || bodies(recs) != seq(1, 2) {
		t.Fatalf("%v %s", err, bodies(recs))
	}
	s.Tail(me, bob, 10)
	w := s.Warnings()
	if len(w) != 3 || !strings.Contains(w[0], "malformed") {
		t.Fatalf("warnings %q", w)
	}
	if len(s.Warnings()) != 0 {
		t.Fatal("warnings not drained")
	}
}

func TestRepairTornTail(t *testing.T) {
	tests := []struct {
		name, tail string
		want       string
	}{
		{"torn record", `{"v":1,"t":"2026-11-23T14:05`, seq(1, 3)},
		{"complete record without newline", strings.TrimSuffix(string(appendRecord(nil, msg(9))), "\n"), seq(1, 2) + "|message 9|message 3"},
		{"garbage", "\x00\x00\x00", seq(1, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir)
			s.Append(me, bob, msg(1))
			s.Append(me, bob, msg(2))
			s.Close()
			mainPath, _ := s.paths(me, bob)
			f, _ := os.OpenFile(mainPath, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString(tt.tail)
			f.Close()
			// A reader ignores the unterminated line.
			ro, _ := OpenReadOnly(dir)
			if recs, _, _ := ro.Tail(me, bob, 10); bodies(recs) != seq(1, 2) {
				t.Fatalf("reader: %s", bodies(recs))
			}
			s = openT(t, dir)
			if ok, err := s.Append(me, bob, msg(3)); !ok || err != nil {
				t.Fatalf("append after crash: %v %v", ok, err)
			}
			recs, _, _ := s.Tail(me, bob, 10)
			if bodies(recs) != tt.want {
				t.Fatalf("got %s want %s", bodies(recs), tt.want)
			}
			if len(s.Warnings()) != 1 {
				t.Fatal("no warning about the repair")
			}
		})
	}
}

// TestCrashProperty: random appends interleaved with crashes (the file cut
// at a random byte) leave every complete record readable and in order.
func TestCrashProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 20; round++ {
		dir := t.TempDir()
		// all: the bodies in the file, in order; the last one may be an
		// unterminated line that the next repair restores (pending).
		var all []string
		pending := false
		next := 0
		for crash := 0; crash < 5; crash++ {
			s, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			n := rng.IntN(30)
			for i := 0; i < n; i++ {
				r := msg(next)
				r.Body = strings.Repeat("x", rng.IntN(200)) + fmt.Sprint(next)
				next++
				if ok, err := s.Append(me, bob, r); err != nil || !ok {
					t.Fatal(ok, err)
				}
				all = append(all, r.Body)
			}
			if n > 0 {
				pending = false
			}
			s.Close()
			mainPath, _ := s.paths(me, bob)
			data, _ := os.ReadFile(mainPath)
			cut := rng.IntN(len(data) + 1)
			if err := os.Truncate(mainPath, int64(cut)); err != nil {
				t.Fatal(err)
			}
			nl := bytes.Count(data[:cut], []byte("\n"))
			if cut < len(data) {
				pending = data[cut] == '\n'
			}
			complete := max(nl-1, 0) // minus the header
			if nl == 0 {
				all, pending = nil, false
			} else if pending {
				all = all[:complete+1]
			} else {
				all = all[:complete]
			}
			want := all[:complete]
			ro, _ := OpenReadOnly(dir)
			var got []string
			c := Cursor{}
			for !c.Done() {
				var recs []Record
				recs, c, err = ro.Before(me, bob, c, 7)
				if err != nil {
					t.Fatal(err)
				}
				for i := len(recs) - 1; i >= 0; i-- {
					got = append(got, recs[i].Body)
				}
			}
			for i, j := 0, len(got)-1; i < j; i, j = i+1, j-1 {
				got[i], got[j] = got[j], got[i]
			}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("round %d crash %d cut %d/%d:\ngot  %q\nwant %q", round, crash, cut, len(data), got, want)
			}
		}
	}
}

// FuzzRepair: whatever bytes a file ends up with, opening and appending
// keeps every complete valid line, never glues the new record onto a partial
// line, and the new record is the last one read.
func FuzzRepair(f *testing.F) {
	f.Add([]byte(`{"v":1,"t":"2026-11-23T14:05:09.123Z","body":"a"}` + "\n" + `{"v":1,"t":"20`))
	f.Add([]byte("\n\n\x00"))
	f.Add([]byte(`{"v":1,"t":"2026-11-23T14:05:09.123Z","body":"no newline"}`))
	f.Fuzz(func(t *testing.T, content []byte) {
		dir := t.TempDir()
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		mainPath, _ := s.paths(me, bob)
		os.MkdirAll(filepath.Dir(mainPath), 0o700)
		os.WriteFile(mainPath, content, 0o600)
		// What a reader sees before the repair: complete valid lines.
		ro, _ := OpenReadOnly(dir)
		before, _, err := ro.Tail(me, bob, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		r := Record{Time: t0, Dir: In, Body: "sentinel"}
		if _, err := s.Append(me, bob, r); err != nil {
			t.Fatal(err)
		}
		after, _, err := ro.Tail(me, bob, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) < len(before)+1 || after[len(after)-1].Body != "sentinel" {
			t.Fatalf("before %d records, after %d, last %+v", len(before), len(after), after[len(after)-1])
		}
		for i := range before {
			if !reflect.DeepEqual(before[i], after[i]) {
				t.Fatalf("record %d changed: %+v -> %+v", i, before[i], after[i])
			}
		}
	})
}

// The lock test re-executes the test binary as a second parley process.
const childEnv = "PARLEY_HISTORY_TEST_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(child(dir))
	}
	os.Exit(m.Run())
}

// child tries to open dir for writing, then reads it, and reports on stdout.
func child(dir string) int {
	_, err := Open(dir)
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		fmt.Printf("open: %v\n", err)
		return 1
	}
	fmt.Printf("locked pid=%d msg=%s\n", le.PID, err)
	ro, err := OpenReadOnly(dir)
	if err != nil {
		fmt.Printf("read-only: %v\n", err)
		return 1
	}
	recs, _, err := ro.Tail(me, bob, 10)
	if err != nil {
		fmt.Printf("tail: %v\n", err)
		return 1
	}
	if _, err := ro.Append(me, bob, msg(5)); !errors.Is(err, ErrReadOnly) {
		fmt.Printf("read-only append: %v\n", err)
		return 1
	}
	fmt.Printf("read %s\n", bodies(recs))
	return 0
}

func TestLockAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	s.Append(me, bob, msg(1))
	run := func() (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+dir)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	wantPID := fmt.Sprintf("locked pid=%d ", os.Getpid())
	if !strings.Contains(out, wantPID) || !strings.Contains(out, dir) || !strings.Contains(out, "read message 1") {
		t.Fatalf("child output:\n%s", out)
	}
	// Once released, another process can take it.
	s.Close()
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}

// TestConcurrentAppend: goroutines appending to shared and separate
// conversations while a read-only store reads; every record lands intact.
func TestConcurrentAppend(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	ro, _ := OpenReadOnly(dir)
	const workers, each = 4, 200
	done := make(chan error, workers+1)
	for w := 0; w < workers; w++ {
		go func() {
			for i := 0; i < each; i++ {
				r := msg(w*each + i)
				if _, err := s.Append(me, bob, r); err != nil {
					done <- err
					return
				}
				if _, err := s.Append(me, fmt.Sprintf("w%d@x", w), r); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	go func() {
		for i := 0; i < 50; i++ {
			if _, _, err := ro.Tail(me, bob, 10); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; i < workers+1; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	s.Search(context.Background(), Query{Account: me, Conv: bob}, func(Hit) bool { n++; return true })
	if n != workers*each {
		t.Fatalf("%d records, want %d", n, workers*each)
	}
	if w := ro.Warnings(); len(w) != 0 {
		t.Fatalf("reader saw malformed lines: %q", w)
	}
}

// TestOpenWait: a second writer waits for the lock while its holder exits,
// and gives up with the holder named when the lock stays held.
func TestOpenWait(t *testing.T) {
	dir := t.TempDir()
	first, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		first.Close()
	}()
	told := 0
	second, err := OpenWait(context.Background(), dir, 3*time.Second, 0, func(*LockedError) { told++ })
	if err != nil {
		t.Fatalf("OpenWait while the holder exits: %v", err)
	}
	if told != 1 {
		t.Errorf("told %d times of the wait, want once", told)
	}
	_, err = OpenWait(context.Background(), dir, 50*time.Millisecond, time.Hour, nil)
	var locked *LockedError
	if !errors.As(err, &locked) || !errors.Is(err, ErrLocked) {
		t.Errorf("OpenWait on a held lock: %v, want a *LockedError", err)
	}
	second.Close()
}
