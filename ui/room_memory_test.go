package ui

import (
	"encoding/xml"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"parley/account"
	"parley/muc"
)

// occupantPresence parses an occupant presence of the test room with the
// real parser.
func occupantPresence(t testing.TB, nick, typ, show string) muc.Presence {
	t.Helper()
	s := `<presence xmlns="jabber:client" from="` + testRoom.String() + "/" + nick + `"`
	if typ != "" {
		s += ` type="` + typ + `"`
	}
	s += `><x xmlns="` + muc.NSUser + `"><item affiliation="none" role="participant"/></x>`
	if show != "" {
		s += "<show>" + show + "</show>"
	}
	s += "</presence>"
	d := xml.NewDecoder(strings.NewReader(s))
	tok, err := d.Token()
	if err != nil {
		t.Fatal(err)
	}
	p, err := muc.ParsePresence(tok.(xml.StartElement), d)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRoomOccupantMemory plays a big room into a UI showing it with its
// occupant pane, as the account reports it (one event per presence, the
// initial list in one event with our own join): n occupants join, each
// changes presence once, then all leave. A change costs what changed: the
// heap stays far under what a copy of the list per event would take (with
// 20,000 occupants: tens of GB of copies, 560 MB peak in issue 9).
// PARLEY_BENCH=1 plays 20,000 occupants and logs the heap peak.
func TestRoomOccupantMemory(t *testing.T) {
	n := 3000
	if os.Getenv("PARLEY_BENCH") == "1" {
		n = 20000
	}
	h, f := startRoomUI(t, 120, 40, false)
	joinTestRoom(h, f)
	u := h.u
	r := muc.NewRoom(testRoom, "zed")
	r.StartJoin("zed")
	for i := range n {
		r.HandlePresence(occupantPresence(t, fmt.Sprintf("user%05d", i), "", ""))
	}
	self := r.HandlePresence(occupantPresence(t, "zed", "", ""))
	event := func(changes []muc.Change) account.RoomEvent {
		return account.RoomEvent{Base: base(f.fakeAccount), Room: testRoom, Nick: r.Nick(), State: r.State(), Count: r.Len(), Changes: changes}
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := sampleHeapUI(t)
	start := u.applied.Load()
	posted := int64(2)
	u.Post(account.RoomEvent{Base: base(f.fakeAccount), Room: testRoom, Nick: "zed", State: muc.Joining}) // a rejoin starts
	u.Post(event(append(r.InitialChanges(), self...)))
	for i := range n {
		if c := r.HandlePresence(occupantPresence(t, fmt.Sprintf("user%05d", i), "", "away")); len(c) > 0 {
			u.Post(event(c))
			posted++
		}
	}
	for i := range n {
		if c := r.HandlePresence(occupantPresence(t, fmt.Sprintf("user%05d", i), "unavailable", "")); len(c) > 0 {
			u.Post(event(c))
			posted++
		}
	}
	deadline := time.Now().Add(5 * time.Minute)
	for u.applied.Load() < start+posted && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	var left int
	h.on(func() { left = h.u.curWin().room.occ.Len() })
	top := peak()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if left != 1 {
		t.Errorf("%d occupants left in the pane, want 1 (us)", left)
	}
	t.Logf("%d occupants joining, changing presence and leaving (%d events): heap peak %.1f MB (%.1f MB before), kept %.1f MB",
		n, posted, float64(top)/1e6, float64(before.HeapInuse)/1e6, (float64(after.HeapInuse)-float64(before.HeapInuse))/1e6)
	if top > before.HeapInuse+100<<20 {
		t.Errorf("heap peak %d MB over %d MB before", top>>20, before.HeapInuse>>20)
	}
}

// sampleHeapUI samples the heap in use until the returned function is
// called, which returns the highest value seen.
func sampleHeapUI(t testing.TB) func() uint64 {
	stop := make(chan struct{})
	done := make(chan uint64, 1)
	go func() {
		var top uint64
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			top = max(top, m.HeapInuse)
			select {
			case <-stop:
				done <- top
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	var top uint64
	stopped := false
	stopIt := func() uint64 {
		if !stopped {
			stopped = true
			close(stop)
			top = <-done
		}
		return top
	}
	t.Cleanup(func() { stopIt() })
	return stopIt
}
