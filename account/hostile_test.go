package account

import (
	"context"
	"io"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/internal/fakexmpp"
)

// Attacks by a hostile server (package fakexmpp): bytes no real server
// sends, read by a logged-in account. Memory is measured as the peak of
// the heap's live objects while the attack is read, sampled; the bound
// asserted is far from what parley needs (a few MB).

// hostileLimit is the peak heap allowed while an attack is read.
const hostileLimit = 64 << 20

// heapPeak samples the bytes of heap objects until stopped.
type heapPeak struct {
	stop chan struct{}
	done chan uint64
}

func sampleHeap() *heapPeak {
	runtime.GC()
	p := &heapPeak{stop: make(chan struct{}), done: make(chan uint64, 1)}
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-p.stop:
				p.done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

// end stops sampling and returns the peak.
func (p *heapPeak) end() uint64 {
	close(p.stop)
	return <-p.done
}

// fakeAccount logs an account in to srv and returns it with the server's
// side of its connection.
func fakeAccount(t *testing.T, srv *fakexmpp.Server) (*running, *fakexmpp.Conn) {
	t.Helper()
	cfg := Config{
		JID:      alice,
		Password: secret,
		Host:     srv.Host,
		Port:     srv.Port,
		CAFile:   srv.CAFile,
		Resource: "parley",
	}
	r := start(t, cfg)
	c := srv.Accept(t)
	r.waitState(t, Online)
	return r, c
}

// The account on a fake server, which takes any password.
var (
	alice  = jid.MustParse("alice@localhost")
	secret = func(context.Context) (string, error) { return "secret", nil }
)

const bob = "from='bob@localhost/x' type='chat'"

// TestHostileStanza streams stanzas far over the stanza limit: parley
// refuses each while reading it, with bounded memory, says why and logs in
// again.
func TestHostileStanza(t *testing.T) {
	open := func(s string) io.Reader { return strings.NewReader(s) }
	for _, tc := range []struct {
		name   string
		attack func() io.Reader
		want   string // in the state's text
	}{
		{"50 MB body", func() io.Reader {
			return io.MultiReader(open("<message "+bob+" id='big'><body>"), fakexmpp.Repeat("x", 50<<20), open("</body></message>"))
		}, "a <message/> too large to read (over 1024 KiB)"},
		{"200 MB body", func() io.Reader {
			return io.MultiReader(open("<message "+bob+" id='big'><body>"), fakexmpp.Repeat("0123456789", 20<<20), open("</body></message>"))
		}, "a <message/> too large to read (over 1024 KiB)"},
		{"50 MB attribute", func() io.Reader {
			return io.MultiReader(open("<message "+bob+" id='"), fakexmpp.Repeat("x", 50<<20), open("'><body>hi</body></message>"))
		}, "a <message/> too large to read (over 1024 KiB)"},
		{"1,000,000 nested elements", func() io.Reader {
			return io.MultiReader(open("<message "+bob+" id='deep'><body>hi</body>"), fakexmpp.Repeat("<a>", 1e6), fakexmpp.Repeat("</a>", 1e6), open("</message>"))
		}, "a <message/> nested deeper than 64 levels"},
		{"50 MB of whitespace between stanzas", func() io.Reader {
			return fakexmpp.Repeat(" ", 50<<20)
		}, "text between stanzas too large to read (over 1024 KiB)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakexmpp.Start(t, fakexmpp.Options{})
			r, c := fakeAccount(t, srv)
			peak := sampleHeap()
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = c.WriteFrom(io.MultiReader(tc.attack(), open("<message "+bob+" id='after'><body>after</body></message>")))
			}()
			// Either parley refuses the stanza (and leaves this connection)
			// or it read it all and then the message after it.
			e := r.rec.wait(t, 5*time.Minute, func(e Event) bool {
				if se, ok := e.(StateEvent); ok && se.State != Online && se.State != Connecting {
					return true
				}
				me, ok := e.(MessageEvent)
				return ok && me.Msg.Body == "after"
			})
			c.Close()
			wg.Wait()
			p := peak.end()
			t.Logf("peak heap %.1f MB; %T %+v", float64(p)/(1<<20), e, summary(e))
			if p > hostileLimit {
				t.Errorf("peak heap %.1f MB, want under %d MB", float64(p)/(1<<20), hostileLimit>>20)
			}
			se, ok := e.(StateEvent)
			if !ok {
				t.Fatal("the stanza was read whole")
			}
			if se.State != Reconnecting || !strings.Contains(se.Text, "the server sent "+tc.want+"; parley refused it") {
				t.Errorf("state %v %q, want reconnecting after %s", se.State, se.Text, tc.want)
			}
			srv.Accept(t) // logs in again
			r.waitOnlineAgain(t)
		})
	}
}

// waitOnlineAgain waits for a second Online.
func (r *running) waitOnlineAgain(t *testing.T) {
	t.Helper()
	n := 0
	r.rec.wait(t, waitLong, func(e Event) bool {
		if se, ok := e.(StateEvent); ok && se.State == Online {
			n++
		}
		return n >= 2
	})
}

// summary keeps an event short for the log.
func summary(e Event) string {
	switch e := e.(type) {
	case StateEvent:
		return e.State.String() + ": " + clip(e.Text, 200)
	case MessageEvent:
		return "message " + clip(e.Msg.Body, 50)
	}
	return ""
}

// TestHostileStreamError ends a session with stream errors carrying long
// texts: each is reported as the stream error it is, with its condition and
// a clipped, one-line text, not as a login failure; parley neither echoes
// it to the server nor loses it when the server closes at once.
func TestHostileStreamError(t *testing.T) {
	const nsStreams = "urn:ietf:params:xml:ns:xmpp-streams"
	for _, tc := range []struct {
		name  string
		cond  string
		text  int  // bytes of text after "line one\n\u202e"
		close bool // the server closes the connection right after
		state State
	}{
		{"not-authorized with 1 MB of text", "not-authorized", 1e6, false, Reconnecting},
		{"not-authorized with 1 MB of text, connection closed", "not-authorized", 1e6, true, Reconnecting},
		{"not-authorized with 3 MB of text (past the stanza limit)", "not-authorized", 3e6, false, Reconnecting},
		{"policy-violation, short", "policy-violation", 10, true, Failed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			echoed := make(chan string, 1)
			srv := fakexmpp.Start(t, fakexmpp.Options{Handle: func(c *fakexmpp.Conn, e fakexmpp.Element) bool {
				if e.Name.Local == "error" {
					echoed <- e.Inner
				}
				return false
			}})
			r, c := fakeAccount(t, srv)
			go func() {
				_, _ = c.WriteFrom(io.MultiReader(
					strings.NewReader("<stream:error><"+tc.cond+" xmlns='"+nsStreams+"'/><text xmlns='"+nsStreams+"'>line one\n\u202e"),
					fakexmpp.Repeat("y", tc.text),
					strings.NewReader("</text></stream:error></stream:stream>")))
				if tc.close {
					c.Close()
				}
			}()
			e := r.rec.wait(t, waitLong, func(e Event) bool {
				se, ok := e.(StateEvent)
				return ok && se.State != Online && se.State != Connecting
			}).(StateEvent)
			t.Logf("%v: %q (%#v)", e.State, e.Text, e.Err)
			want := "stream error " + tc.cond + ": line one \u202e" + strings.Repeat("y", min(tc.text, maxStreamText-len("line one \u202e")))
			if e.State != tc.state || !strings.Contains(e.Text, want) || len(e.Text) > 400 {
				t.Errorf("%v %q (%d bytes), want %v with %q", e.State, clip(e.Text, 400), len(e.Text), tc.state, want)
			}
			if strings.Contains(e.Text, "password") || strings.Contains(e.Text, "authentication") {
				t.Errorf("a stream error reported as a login failure: %q", e.Text)
			}
			select {
			case x := <-echoed:
				t.Errorf("the stream error was sent back to the server (%d bytes)", len(x))
			case <-c.Done():
			}
		})
	}
}

// TestHostileBeforeTLS: a man in the middle before STARTTLS sends 200 MB of
// stream features; parley refuses them as it reads, with bounded memory.
func TestHostileBeforeTLS(t *testing.T) {
	srv := fakexmpp.Start(t, fakexmpp.Options{PreTLS: func() io.Reader {
		return io.MultiReader(strings.NewReader("<stream:features><x xmlns='urn:x'>"), fakexmpp.Repeat("0123456789", 20<<20))
	}})
	peak := sampleHeap()
	r := start(t, Config{JID: alice, Password: secret, Host: srv.Host, Port: srv.Port, CAFile: srv.CAFile})
	e := r.rec.wait(t, 5*time.Minute, func(e Event) bool {
		se, ok := e.(StateEvent)
		return ok && se.State != Connecting
	}).(StateEvent)
	p := peak.end()
	t.Logf("peak heap %.1f MB; %s", float64(p)/(1<<20), summary(e))
	if p > hostileLimit {
		t.Errorf("peak heap %.1f MB, want under %d MB", float64(p)/(1<<20), hostileLimit>>20)
	}
	if !strings.Contains(e.Text, "the server sent a <stream:features/> too large to read") {
		t.Errorf("state %v %q", e.State, e.Text)
	}
}
