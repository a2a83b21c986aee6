package chatlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"parley/history"
	"parley/internal/servertest"
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

// fill writes a file in dir until the file system is full and returns its
// path (remove it to give the space back).
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

// TestIntegrationFullDisk: the history is on a file system that fills up
// while bob sends 20 messages; then space comes back and saving resumes.
// After a restart the catch-up fetches from the archive what could not be
// written: every message is in history, once.
func TestIntegrationFullDisk(t *testing.T) { servertest.Each(t, testIntegrationFullDisk) }

func testIntegrationFullDisk(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	alice := s.AddUser(t, "alice", "pw")
	bobJID := s.AddUser(t, "bob", "pw")
	bob := servertest.StartPeer(t, s, bobJID, "pw")
	dir := tmpfs(t, 1<<20)
	store, err := history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ui := &seen{}
	rec := New(store, ui.sink)
	a := runAccount(t, s, alice, "parley", rec.Anchor(alice), rec.Sink)
	bob.SendMessage(alice.String(), "m0")
	waitHistory(t, store, alice, bobJID, 1)

	filler := fill(t, dir)
	pad := strings.Repeat("x", 1500)
	var want []string
	for i := 1; i <= 20; i++ {
		body := fmt.Sprintf("m%d %s", i, pad)
		want = append(want, body)
		bob.SendMessage(alice.String(), body)
	}
	ui.waitBody(t, bobJID, want[len(want)-1]) // shown even when not saved
	if ui.info("history: cannot write") == "" {
		t.Error("the write failure was not reported")
	}
	lost := 20 + 1 - len(records(t, store, alice, bobJID))
	t.Logf("%d of 20 messages could not be written", lost)
	if lost == 0 {
		t.Fatal("nothing failed to be written on a full file system")
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	bob.SendMessage(alice.String(), "after")
	ui.waitBody(t, bobJID, "after")
	a.stop(t)
	if !slices.Contains(historyBodies(t, store, alice, bobJID), "after") {
		t.Fatal("saving did not resume when space came back")
	}
	store.Close()

	store, err = history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rec = New(store, (&seen{}).sink)
	a = runAccount(t, s, alice, "parley", rec.Anchor(alice), rec.Sink)
	waitHistory(t, store, alice, bobJID, 22)
	a.stop(t)
	got := historyBodies(t, store, alice, bobJID)
	want = append([]string{"m0", "after"}, want...)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("history after the restart has %d messages, want each of %d once", len(got), len(want))
	}
}
