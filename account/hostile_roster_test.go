package account

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"parley/internal/fakexmpp"
)

// rosterResult streams a roster result of n items, each with a name of
// nameLen bytes and a group, generated as it is read.
func rosterResult(id string, n, nameLen int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 64<<10)
		fmt.Fprintf(w, "<iq type='result' id='%s'><query xmlns='jabber:iq:roster' ver='v1'>", id)
		name := strings.Repeat("n", nameLen)
		for i := range n {
			fmt.Fprintf(w, "<item jid='contact%d@example.org' name='%s%d' subscription='both'><group>Group %d</group></item>\n", i, name, i, i%50)
		}
		io.WriteString(w, "</query></iq>")
		pw.CloseWithError(w.Flush())
	}()
	return pr
}

// TestHostileRoster logs in with large rosters: a large roster is a normal
// roster, read item by item up to MaxRosterSize; past it the result is
// refused like a stanza over the limit.
func TestHostileRoster(t *testing.T) {
	for _, tc := range []struct {
		name    string
		items   int
		nameLen int
		refused bool
	}{
		{"15,000 items", 15000, 8, false},
		{"100,000 items", 100000, 8, false},
		{"past MaxRosterSize", MaxRosterSize/1000 + 1000, 1000 - 90, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakexmpp.Start(t, fakexmpp.Options{
				Handle: func(c *fakexmpp.Conn, e fakexmpp.Element) bool {
					if !e.IsIQ("get", nsRoster) {
						return false
					}
					_, _ = c.WriteFrom(rosterResult(e.Attr("id"), tc.items, tc.nameLen))
					return true
				},
			})
			peak := sampleHeap()
			r := start(t, Config{JID: alice, Password: secret, Host: srv.Host, Port: srv.Port, CAFile: srv.CAFile, Resource: "parley"})
			e := r.rec.wait(t, 5*time.Minute, func(e Event) bool {
				se, ok := e.(StateEvent)
				return ok && se.State != Connecting
			}).(StateEvent)
			p := peak.end()
			t.Logf("peak heap %.1f MB; %s", float64(p)/(1<<20), summary(e))
			if tc.refused {
				if e.State != Reconnecting || !strings.Contains(e.Text, "a <iq/> too large to read (over 32768 KiB)") {
					t.Errorf("state %v %q, want the roster refused", e.State, e.Text)
				}
				return
			}
			if e.State != Online {
				t.Fatalf("state %v %q, want online", e.State, e.Text)
			}
			var got int
			for _, e := range r.rec.all() {
				if re, ok := e.(RosterEvent); ok && re.Full {
					got = len(re.Items)
				}
			}
			if got != tc.items {
				t.Errorf("roster of %d items, want %d", got, tc.items)
			}
		})
	}
}
