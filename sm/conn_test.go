package sm

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// TestGiveUpAfterFailedRead checks that once a read fails (here its
// deadline passed, as after a suspend), nothing more is written on the
// connection: not the </stream:stream> of mellium's exit path, not a
// stream error, not a raw nonza; the stanza of a later write is still
// queued for resending.
func TestGiveUpAfterFailedRead(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	st := New(Options{})
	c := st.Wrap(a).(*conn)
	st.mu.Lock()
	c.outOn = true
	st.enabled = true
	st.mu.Unlock()

	go func() { _, _ = b.Read(make([]byte, 512)) }() // the stream header
	if _, err := c.Write([]byte(`<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`)); err != nil {
		t.Fatal(err)
	}
	if err := c.SetReadDeadline(time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadByte(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read: %v", err)
	}
	if _, err := c.Write([]byte(`<message to='x@y'><body>late</body></message>`)); !errors.Is(err, errGaveUp) {
		t.Errorf("write after the failed read: %v", err)
	}
	if err := c.writeRaw(ackRequest); !errors.Is(err, errGaveUp) {
		t.Errorf("raw write: %v", err)
	}
	c.writeAtBoundary([]byte("<stream:error/>"))
	if _, err := c.Write([]byte("</stream:stream>")); !errors.Is(err, errGaveUp) {
		t.Errorf("stream close: %v", err)
	}
	_ = b.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := b.Read(make([]byte, 64)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the peer read %d bytes (%v)", n, err)
	}
	if got := st.Unacked(); got != 1 {
		t.Errorf("%d stanzas queued, want the late message", got)
	}
}

// TestOnIQ: OnIQ runs after each write that completes an <iq/>, and not
// for other stanzas or an iq written only in part.
func TestOnIQ(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() { // the peer reads whatever is written
		buf := make([]byte, 4096)
		for {
			if _, err := b.Read(buf); err != nil {
				return
			}
		}
	}()
	calls := 0
	st := New(Options{OnIQ: func() { calls++ }})
	c := st.Wrap(a).(*conn)
	for _, tc := range []struct {
		write string
		want  int
	}{
		{`<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`, 0},
		{`<message to='x@y'><body>hi</body></message>`, 0},
		{`<iq type='get' id='1'><query xmlns='urn:xmpp:ping'/>`, 0}, // not complete yet
		{`</iq>`, 1},
		{`<presence/><iq type='result' id='2'/><iq type='set' id='3'><x/></iq>`, 2},
		{`<r xmlns='urn:xmpp:sm:3'/>`, 2},
	} {
		if _, err := c.Write([]byte(tc.write)); err != nil {
			t.Fatal(err)
		}
		if calls != tc.want {
			t.Fatalf("after %s: OnIQ called %d times, want %d", tc.write, calls, tc.want)
		}
	}
}
