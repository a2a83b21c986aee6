package account

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/internal/fakexmpp"
	"parley/muc"
)

// TestRoomFloodFake plays the room of issue 9 from a fake server through the
// whole client path (TLS, stream, handler, muc parser, room state, events):
// n occupants are in the room we join, each changes presence once, then all
// leave. Every event costs what changed (its changes, an occupant count),
// never a copy of the occupant list: the heap stays far under the bound
// while the events are all kept by the test's recorder. PARLEY_BENCH=1
// plays the 20,000 occupants of the issue.
func TestRoomFloodFake(t *testing.T) {
	n := 2000
	if os.Getenv("PARLEY_BENCH") == "1" {
		n = 20000
	}
	room := jid.MustParse("big@conference.localhost")
	occ := func(i int, typ, show string) string {
		s := "<presence from='" + room.String() + fmt.Sprintf("/user%05d", i) + "' to='" + alice.String() + "/parley'"
		if typ != "" {
			s += " type='" + typ + "'"
		}
		s += "><x xmlns='" + muc.NSUser + "'><item affiliation='none' role='participant'/></x>"
		if show != "" {
			s += "<show>" + show + "</show>"
		}
		return s + "</presence>"
	}
	// burst writes the presences of f(0..n-1), a thousand at a time.
	burst := func(c *fakexmpp.Conn, f func(int) string) {
		var b strings.Builder
		for i := range n {
			b.WriteString(f(i))
			if i%1000 == 999 || i == n-1 {
				if err := c.Write(b.String()); err != nil {
					return
				}
				b.Reset()
			}
		}
	}
	var wg sync.WaitGroup
	srv := fakexmpp.Start(t, fakexmpp.Options{Handle: func(c *fakexmpp.Conn, e fakexmpp.Element) bool {
		if e.Name.Local != "presence" || !strings.HasPrefix(e.Attr("to"), room.String()+"/") {
			return false
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			burst(c, func(i int) string { return occ(i, "", "") })
			_ = c.Write("<presence from='" + room.String() + "/alice' to='" + alice.String() + "/parley'><x xmlns='" + muc.NSUser + "'><item affiliation='member' role='participant'/><status code='110'/></x></presence>")
		}()
		return true
	}})
	r, c := fakeAccount(t, srv)
	peak := sampleHeap()
	ctx := ctx10(t)
	if err := r.Join(ctx, room, "alice", ""); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	go func() {
		burst(c, func(i int) string { return occ(i, "", "away") })
		burst(c, func(i int) string { return occ(i, "unavailable", "") })
	}()
	last := r.rec.wait(t, 5*time.Minute, func(e Event) bool {
		re, ok := e.(RoomEvent)
		return ok && re.State == muc.Joined && re.Count == 1
	}).(RoomEvent)
	p := peak.end()
	events, changes := 0, 0
	for _, e := range r.rec.all() {
		if re, ok := e.(RoomEvent); ok && re.Room.Equal(room) {
			events++
			changes += len(re.Changes)
		}
	}
	t.Logf("%d occupants joining, changing presence, leaving: %d events, %d changes, heap peak %.1f MB", n, events, changes, float64(p)/(1<<20))
	if last.Count != 1 || changes > 3*n+10 {
		t.Errorf("last event %+v; %d changes for %d occupants", last, changes, n)
	}
	if p > hostileLimit {
		t.Errorf("peak heap %.1f MB, want under %d MB", float64(p)/(1<<20), hostileLimit>>20)
	}
}
