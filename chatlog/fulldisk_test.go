package chatlog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

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
	var a *session
	caughtUp := make(chan error, 1)
	rec.OnRecovered(func(jid.JID) { caughtUp <- a.CatchUp(context.Background()) })
	a = runAccount(t, s, alice, "parley", rec.Anchor(alice), rec.Sink)
	self := jid.MustParse(alice.String() + "/parley")
	// Online comes before the initial presence; a message to the bare JID
	// that the server gets before it goes to offline storage, and
	// ejabberd can keep one that arrives while it flushes that storage
	// until the next login. Bob writes once alice is available.
	ui.waitPresence(t, self)
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
	// The next message is saved, and the catch-up it starts brings the
	// lost ones.
	bob.SendMessage(alice.String(), "after")
	ui.waitBody(t, bobJID, "after")
	select {
	case err := <-caughtUp:
		if err != nil {
			t.Fatalf("catch-up when space came back: %v", err)
		}
	case <-time.After(waitLong):
		t.Fatal("no catch-up when space came back")
	}
	want = append([]string{"m0", "after"}, want...)
	slices.Sort(want)
	check := func(when string) {
		t.Helper()
		got := historyBodies(t, store, alice, bobJID)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("history %s has %d messages, want each of %d once", when, len(got), len(want))
		}
	}
	check("once space came back")
	a.stop(t)
	store.Close()

	store, err = history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	// After a restart the anchor is still before what was lost: the
	// catch-up fetches it all again and stores nothing twice.
	ui = &seen{}
	rec = New(store, ui.sink)
	a = runAccount(t, s, alice, "parley", rec.Anchor(alice), rec.Sink)
	ui.waitPresence(t, self)                 // as above
	bob.SendMessage(alice.String(), "fence") // during or after the catch-up (live messages are held until it ends)
	waitHistory(t, store, alice, bobJID, 23)
	a.stop(t)
	want = append(want, "fence")
	slices.Sort(want)
	check("after a restart")
	anchor, err := rec.Anchor(alice)(alice)
	if err != nil || anchor == "" {
		t.Errorf("anchor after the restart %q, %v", anchor, err)
	}
}
