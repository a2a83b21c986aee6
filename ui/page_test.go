package ui

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
)

// floodLive stores n messages from peer (as the account's chatlog does)
// and posts them live, the window open.
func floodLive(t *testing.T, h *harness, s *history.Store, f *fakeAccount, peer string, n int) {
	t.Helper()
	evs := make([]account.Event, 0, n)
	for i := 0; i < n; i++ {
		ev := msgIn(f, peer+"/x", fmt.Sprintf("flood %04d", i), t0.Add(time.Duration(i)*time.Second))
		ev.Msg.ID = fmt.Sprintf("f-%d", i)
		if _, err := s.Append("me@example.org", peer, history.Record{Time: ev.Msg.Time, Dir: history.In,
			From: ev.Msg.From.String(), Type: "chat", Body: ev.Msg.Body, ID: ev.Msg.ID}); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	h.post(evs...)
}

var floodNum = regexp.MustCompile(`flood (\d{4})`)

// shownFlood returns the numbers of the flood lines on the screen.
func shownFlood(h *harness) []int {
	var out []int
	for _, m := range floodNum.FindAllStringSubmatch(h.text(), -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}

// TestBoundedWindowPagesBack floods a window past what it keeps: it holds
// histEntries lines, PgUp goes back page by page through every message to
// the first (reading the dropped ones from the history), never holding
// more, and PgDn comes back to the newest, live again.
func TestBoundedWindowPagesBack(t *testing.T) {
	const n = 2500
	s := openStore(t)
	f := newFake("me@example.org")
	h := startHistUI(t, 100, 30, s, f)
	h.run("msg alice@example.org")
	floodLive(t, h, s, f, "alice@example.org", n)
	h.screenHas(fmt.Sprintf("flood %04d", n-1))
	var held int
	h.sync(func() { held = h.u.curWin().buf.len() })
	if held > histEntries {
		t.Fatalf("window holds %d lines, bound %d", held, histEntries)
	}
	seen := make(map[int]bool)
	prevTop := n
	for step := 0; step < 400; step++ {
		nums := shownFlood(h)
		for _, x := range nums {
			seen[x] = true
		}
		if len(nums) > 0 {
			if nums[0] > prevTop {
				t.Fatalf("step %d: top line %d after %d: not going back", step, nums[0], prevTop)
			}
			prevTop = nums[0]
		}
		if prevTop == 0 {
			break
		}
		h.sync(h.u.pageUp) // what PgUp does (keys.go)
		h.sync(func() {
			if l := h.u.curWin().buf.len(); l > held {
				held = l
			}
		})
	}
	if prevTop != 0 {
		t.Fatalf("PgUp never reached the first message (top %d):\n%s", prevTop, h.text())
	}
	for i := 0; i < n; i++ {
		if !seen[i] {
			t.Fatalf("message %d never shown while paging back", i)
		}
	}
	if held > histEntries {
		t.Errorf("window held %d lines while paging, bound %d", held, histEntries)
	}
	var detached bool
	h.sync(func() { detached = h.u.curWin().hist.detached })
	if !detached {
		t.Errorf("window at the oldest messages is not detached from the live end")
	}
	// A live message while reading old ones: counted, not shown.
	h.post(msgIn(f, "alice@example.org/x", "while away", t0.Add(2*time.Hour)))
	// PgDn all the way: back at the newest, live.
	for step := 0; step < 400; step++ {
		h.sync(h.u.pageDown)
		h.sync(func() { detached = h.u.curWin().hist.detached })
		if !detached {
			break
		}
	}
	if detached {
		t.Fatal("PgDn never came back to the newest messages")
	}
	h.sync(func() {
		for h.u.curWin().scroll > 0 {
			h.u.pageDown()
		}
	})
	h.screenHas(fmt.Sprintf("flood %04d", n-1))
	h.post(msgIn(f, "alice@example.org/x", "back live", t0.Add(3*time.Hour)))
	h.screenHas("back live")
	h.sync(func() { held = h.u.curWin().buf.len() })
	if held > histEntries {
		t.Errorf("window holds %d lines after coming back, bound %d", held, histEntries)
	}
}

// TestBoundedCorrectionOfDropped corrects a message that left the window:
// the live correction changes nothing held, and the message paged back
// from the history shows the corrected text.
func TestBoundedCorrectionOfDropped(t *testing.T) {
	const n = histEntries + 300
	s := openStore(t)
	f := newFake("me@example.org")
	h := startHistUI(t, 100, 30, s, f)
	h.run("msg alice@example.org")
	floodLive(t, h, s, f, "alice@example.org", n)
	h.screenHas(fmt.Sprintf("flood %04d", n-1))
	fix := msgIn(f, "alice@example.org/x", "flood 0005 fixed", t0.Add(2*time.Hour))
	fix.Msg.ID, fix.Msg.Replaces = "fix-5", "f-5"
	if _, err := s.Append("me@example.org", "alice@example.org", history.Record{Time: fix.Msg.Time, Dir: history.In,
		From: fix.Msg.From.String(), Type: "chat", Body: fix.Msg.Body, ID: fix.Msg.ID,
		Kind: history.KindCorrection, Replaces: "f-5"}); err != nil {
		t.Fatal(err)
	}
	h.post(fix)
	h.screenHas(fmt.Sprintf("flood %04d", n-1))
	for step := 0; step < 200; step++ {
		if nums := shownFlood(h); len(nums) > 0 && nums[0] == 0 {
			break
		}
		h.sync(h.u.pageUp) // what PgUp does (keys.go)
	}
	h.screenHas("flood 0005 fixed (edited)")
}

// TestBoundedCountsEntries checks the bound by counting what the windows
// hold: a window with history keeps histEntries lines, the console (no
// history) maxEntries, and a window with history opened without a store
// maxEntries too.
func TestBoundedCountsEntries(t *testing.T) {
	s := openStore(t)
	f := newFake("me@example.org")
	h := startHistUI(t, 100, 30, s, f)
	h.run("msg alice@example.org")
	floodLive(t, h, s, f, "alice@example.org", histEntries*3)
	h.screenHas(fmt.Sprintf("flood %04d", histEntries*3-1))
	h.sync(func() {
		w := h.u.findWin(h.u.accts[0], jid.MustParse("alice@example.org"))
		if w.buf.len() != histEntries || w.buf.max != histEntries {
			t.Errorf("window with history holds %d of %d lines, want %d", w.buf.len(), w.buf.max, histEntries)
		}
		if len(w.hist.bounds) > w.buf.len() {
			t.Errorf("%d page boundaries kept for %d lines", len(w.hist.bounds), w.buf.len())
		}
		if c := h.u.console(); c.buf.max != maxEntries {
			t.Errorf("console keeps %d lines, want %d", c.buf.max, maxEntries)
		}
	})
	f2 := newFake("me@example.org")
	h2 := startUI(t, 100, 30, f2)
	h2.run("msg bob@example.org")
	h2.sync(func() {
		if w := h2.u.curWin(); w.buf.max != maxEntries || w.hist != nil {
			t.Errorf("window without a store keeps %d lines (hist %v), want %d", w.buf.max, w.hist != nil, maxEntries)
		}
	})
}
