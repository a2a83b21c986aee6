package history

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// tmpfs mounts a tmpfs of size bytes on a fresh directory (unmounted at
// cleanup): a file system that really fills up. It skips the test when
// mounting is impossible (not root, no mount privilege in a container).
func tmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (%v): needs root or CAP_SYS_ADMIN", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fill writes a file in dir until the file system is full and returns
// its path (remove it to give the space back).
func fill(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 4096)
	for {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return p
		}
	}
}

// TestFullDiskFreezesAnchor fills the file system under a store: the
// records that cannot be written must not let the archive anchor move past
// them, neither while space is back nor after a restart, so that a
// catch-up from the anchor fetches them again and nothing is lost.
func TestFullDiskFreezesAnchor(t *testing.T) {
	dir := tmpfs(t, 256<<10)
	big := strings.Repeat("x", 5000) // each record needs a page of its own
	msg := func(i int) Record {
		return Record{Time: at(i), Dir: In, From: bob + "/phone", Type: "chat", ID: fmt.Sprintf("m%d", i),
			StanzaID: fmt.Sprintf("S%d", i), StanzaBy: me, Body: fmt.Sprintf("%d %s", i, big)}
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if _, err := s.Append(me, bob, msg(i)); err != nil {
			t.Fatal(err)
		}
	}
	filler := fill(t, dir)
	failed := 0
	for i := 4; i <= 8; i++ {
		if _, err := s.Append(me, bob, msg(i)); err != nil {
			failed++
		}
	}
	if failed == 0 {
		t.Fatal("no write failed on a full file system")
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	for i := 9; i <= 10; i++ { // saving resumes
		if stored, err := s.Append(me, bob, msg(i)); err != nil || !stored {
			t.Fatalf("message %d after space returned: stored %v, %v", i, stored, err)
		}
	}
	anchor := func(s *Store) string {
		id, _, err := s.NewestArchiveIDAny(me, me)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	if got := anchor(s); got != "S3" {
		t.Errorf("anchor after the failures = %q, want S3 (the last before them)", got)
	}
	s.Close()

	s = openT(t, dir)
	if got := anchor(s); got != "S3" {
		t.Errorf("anchor after a restart = %q, want S3", got)
	}
	// The catch-up after S3 brings every later message again.
	for i := 4; i <= 10; i++ {
		if _, err := s.Append(me, bob, msg(i)); err != nil {
			t.Fatal(err)
		}
	}
	recs, _, err := s.Tail(me, bob, 100)
	if err != nil {
		t.Fatal(err)
	}
	// Each once; the ones fetched again come in arrival order, after
	// what was saved.
	var got []string
	for _, r := range recs {
		got = append(got, r.ID)
	}
	slices.SortStableFunc(got, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	if want := "m1 m2 m3 m4 m5 m6 m7 m8 m9 m10"; strings.Join(got, " ") != want {
		t.Errorf("history = %v, want each of %s once", got, want)
	}
	if got := anchor(s); got != "S10" {
		t.Errorf("anchor after the catch-up = %q, want S10", got)
	}
}
