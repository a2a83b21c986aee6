package sm

import (
	"strings"
	"sync"
	"testing"
)

// recTap records what a Tap is shown.
type recTap struct {
	mu    sync.Mutex
	seen  []string // "in <...>", "out <...>", "auth"
	cut   int
	bytes int
}

func (r *recTap) Element(in bool, raw []byte, cut bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := "out "
	if in {
		d = "in "
	}
	r.seen = append(r.seen, d+string(raw))
	if cut {
		r.cut++
	}
	r.bytes += len(raw)
}

func (r *recTap) Authenticated() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, "auth")
}

func (r *recTap) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.seen, "\n")
}

// TestTap shows the elements after authentication in both directions,
// cuts a large inbound one at MaxTapBytes, and nothing once removed.
func TestTap(t *testing.T) {
	st := New(Options{})
	tap := &recTap{}
	st.SetTap(tap)
	s, f := connect(t, st, freshScript(t, "me@example.net/res"))
	sv := serve(s, st)
	sendMsg(t, s, "hello out")
	f.expect("message")
	f.send(`<message from='peer@example.net' type='chat'><body>hello in</body></message>`)
	big := strings.Repeat("x", MaxTapBytes*2)
	f.send(`<message from='peer@example.net'><body>` + big + `</body></message>`)
	waitFor(t, "the messages", func() bool { return sv.has2() })
	got := tap.all()
	if !strings.HasPrefix(got, "auth\n") {
		t.Errorf("Authenticated not first:\n%.300s", got)
	}
	for _, want := range []string{"out <iq", "in <iq", "out <enable", "in <enabled", "hello out", "in <message from='peer@example.net' type='chat'><body>hello in</body></message>"} {
		if !strings.Contains(got, want) {
			t.Errorf("tap missed %q:\n%.2000s", want, got)
		}
	}
	tap.mu.Lock()
	if tap.cut != 1 || tap.bytes > 3*MaxTapBytes {
		t.Errorf("large element: %d cut, %d bytes seen", tap.cut, tap.bytes)
	}
	n := len(tap.seen)
	tap.mu.Unlock()
	st.SetTap(nil)
	sendMsg(t, s, "unseen")
	for e := range f.in {
		if e.XMLName.Local == "message" {
			break
		}
	}
	if tap.all(); len(tap.seen) != n {
		t.Errorf("tap shown %d more elements after removal", len(tap.seen)-n)
	}
}

func (sv *served) has2() bool {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	return len(sv.msgs) >= 2
}

// TestTapResend: a stanza sent again on resume is shown again, after the
// new connection's Authenticated.
func TestTapResend(t *testing.T) {
	st := New(Options{})
	tap := &recTap{}
	st.SetTap(tap)
	s, f := connect(t, st, freshScript(t, "me@example.net/res"))
	sv := serve(s, st)
	sendMsg(t, s, "never acked")
	f.expect("message")
	f.c.Close()
	<-sv.done
	connect(t, st, func(f *fakeServer) {
		f.send(serverHeader + features)
		f.expect("resume")
		f.send(`<resumed xmlns='urn:xmpp:sm:3' h='0' previd='sid-1'/>`)
		f.expect("message")
	})
	got := tap.all()
	if n := strings.Count(got, "never acked"); n != 2 || strings.Count(got, "auth") != 2 {
		t.Errorf("tap saw the stanza %d times:\n%s", n, got)
	}
	if i, j := strings.LastIndex(got, "auth"), strings.LastIndex(got, "never acked"); i > j {
		t.Errorf("resent stanza before the second Authenticated:\n%s", got)
	}
}
