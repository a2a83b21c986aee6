package sm

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPaceAnswers floods the client with stanzas, each followed by <r/>:
// it answers far fewer times than it is asked, never with a count going
// down, and its last answer counts every stanza.
func TestPaceAnswers(t *testing.T) {
	st := New(Options{})
	s, f := connect(t, st, freshScript(t, "me@example.net/res-1"))
	serve(s, st)
	const n = 400
	go func() {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, `<message from='peer@example.net/x'><body>m%d</body></message><r xmlns='urn:xmpp:sm:3'/>`, i)
		}
		f.send(b.String())
	}()
	answers, last := 0, 0
	for last < n {
		a := f.expect("a")
		answers++
		h, err := strconv.Atoi(a.attr("h"))
		if err != nil || h < last || h > n {
			t.Fatalf("answer %d: h=%q after %d", answers, a.attr("h"), last)
		}
		last = h
	}
	t.Logf("%d answers to %d requests", answers, n)
	if answers > n/4 {
		t.Fatalf("%d answers to %d requests: not paced", answers, n)
	}
}

// TestPaceRequests sends many stanzas while the server acknowledges every
// request at once: the client asks far fewer times than it sends, and
// everything ends acknowledged.
func TestPaceRequests(t *testing.T) {
	st := New(Options{})
	s, f := connect(t, st, freshScript(t, "me@example.net/res-1"))
	serve(s, st)
	const n = 200
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			sendMsg(t, s, "out"+strconv.Itoa(i))
		}
	}()
	msgs, requests := 0, 0
	handle := func(e anyElement) {
		switch e.XMLName.Local {
		case "message":
			msgs++
		case "r":
			requests++
			f.send(`<a xmlns='urn:xmpp:sm:3' h='` + strconv.Itoa(msgs) + `'/>`)
		case "":
			t.Fatal("stream ended")
		default:
			t.Fatalf("unexpected <%s>", e.XMLName.Local)
		}
	}
	for msgs < n {
		handle(<-f.in)
	}
	// The stanzas written since the last request are asked about by the
	// pacing timer.
	deadline := time.After(10 * time.Second)
	for st.Unacked() > 0 {
		select {
		case e := <-f.in:
			handle(e)
		case <-time.After(5 * time.Millisecond):
		case <-deadline:
			t.Fatalf("never acknowledged: %+v", st.Stats())
		}
	}
	<-done
	t.Logf("%d requests for %d stanzas", requests, n)
	if requests == 0 || requests > n/4 {
		t.Fatalf("%d requests for %d stanzas", requests, n)
	}
	if got := st.Stats(); got.Acked != n || got.Unacked != 0 {
		t.Fatalf("after the stream: %+v", got)
	}
}

// TestPaceAcrossReconnect leaves an answer to the timer (a second request
// within ackPace of the first), cuts the link and resumes: a request on the
// new connection made while that timer is pending is answered.
func TestPaceAcrossReconnect(t *testing.T) {
	st := New(Options{})
	s, f := connect(t, st, freshScript(t, "me@example.net/res-1"))
	sv := serve(s, st)
	f.send(`<r xmlns='urn:xmpp:sm:3'/>`)
	f.expect("a")
	f.send(`<r xmlns='urn:xmpp:sm:3'/>`) // paced: a timer owes it
	f.c.Close()
	<-sv.done
	s2, f2 := connect(t, st, func(f *fakeServer) {
		f.send(serverHeader + features)
		f.expect("resume")
		f.send(`<resumed xmlns='urn:xmpp:sm:3' h='0' previd='sid-1'/>`)
	})
	serve(s2, st)
	f2.send(`<r xmlns='urn:xmpp:sm:3'/>`)
	if a := f2.expect("a"); a.attr("h") != "0" {
		t.Fatalf("a h=%s after resume, want 0", a.attr("h"))
	}
}
