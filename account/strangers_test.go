package account

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
)

// writeStrangers writes n available presences to w, each from another
// address that is no contact, as they arrive on the wire, a thousand at a
// time (the test holds no more than that).
func writeStrangers(w io.Writer, n int) error {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `<presence xmlns="jabber:client" from="stranger%d@example.net/r%d" to="alice@example.org/parley"><show>away</show><status>status text number %d</status></presence>`, i, i, i)
		if i%1000 == 999 || i == n-1 {
			if _, err := w.Write(b.Bytes()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	return nil
}

// TestStrangerPresence floods the account, through a real session (stream
// decoding, handler), with presence from a fresh stranger each time, among
// presence of a contact and of our own other resource: only those two are
// reported, the strangers are counted and summarised in a line or two, and
// the heap does not grow with them. PARLEY_BENCH=1 sends 500,000 (the
// attack of issue 9) and logs the heap peak.
func TestStrangerPresence(t *testing.T) {
	n := 20000
	if os.Getenv("PARLEY_BENCH") == "1" {
		n = 500000
	}
	rec := newRecorder()
	a := New(Config{JID: testAccount}, rec.sink)
	a.noteRoster([]RosterItem{{JID: jid.MustParse("bob@example.org"), Subscription: "both"}}, true)
	_, conn, _ := pipeSession(t, a)
	go func() { _, _ = bytes.NewBuffer(nil).ReadFrom(conn) }()
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	peak := sampleHeap()
	in := `<presence xmlns="jabber:client" from="bob@example.org/phone"><show>dnd</show></presence>` +
		`<presence xmlns="jabber:client" from="` + testAccount.String() + `/other"/>`
	if _, err := conn.Write([]byte(in)); err != nil {
		t.Fatal(err)
	}
	if err := writeStrangers(conn, n); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte(`<presence xmlns="jabber:client" from="bob@example.org/phone" type="unavailable"/>`)); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, 5*time.Minute, func(e Event) bool {
		p, ok := e.(PresenceEvent)
		return ok && !p.Available
	})
	top := peak.end()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	var reported []string
	infos := 0
	for _, e := range rec.all() {
		switch e := e.(type) {
		case PresenceEvent:
			reported = append(reported, e.From.String())
		case InfoEvent:
			infos++
			if !strings.Contains(e.Text, "not in your roster") {
				t.Errorf("info %q", e.Text)
			}
		}
	}
	if want := "bob@example.org/phone " + testAccount.String() + "/other bob@example.org/phone"; strings.Join(reported, " ") != want {
		t.Errorf("reported presence of %v, want %s", reported, want)
	}
	if infos < 1 || infos > 2 {
		t.Errorf("%d summary lines, want 1 or 2", infos)
	}
	if got := a.StrangerPresences(); got != n {
		t.Errorf("counted %d strangers, want %d", got, n)
	}
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d stranger presences: heap peak %.1f MB, kept %.1f MB", n, float64(top)/1e6, float64(grown)/1e6)
	if grown > 16<<20 {
		t.Errorf("heap grew by %d MB after %d stranger presences", grown>>20, n)
	}
}
