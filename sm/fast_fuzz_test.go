package sm

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stream"
)

// runStream serves data (after a stream header) on a session over a
// wrapped pipe, with or without the fast path, written in chunks of
// chunk bytes, and returns what the handler saw, one line per element.
func runStream(t *testing.T, data []byte, chunk int, fast bool) []string {
	t.Helper()
	cli, srv := net.Pipe()
	defer cli.Close()
	defer srv.Close()
	st := New(Options{})
	ready := func(_ context.Context, in, _ *stream.Info, s *xmpp.Session, _ interface{}) (xmpp.SessionState, io.ReadWriter, interface{}, error) {
		r := s.TokenReader()
		defer r.Close()
		_, err := r.Token()
		in.XMLNS = "jabber:client"
		return xmpp.Ready, nil, nil, err
	}
	go func() {
		_, _ = srv.Write([]byte(`<stream:stream xmlns="jabber:client" xmlns:stream="http://etherx.jabber.org/streams">`))
	}()
	me := jid.MustParse("me@example.net/res")
	s, err := xmpp.NewSession(context.Background(), me.Domain(), me, st.Wrap(cli), xmpp.Secure|xmpp.Authn, ready)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	h := xmpp.HandlerFunc(func(r xmlstream.TokenReadEncoder, start *xml.StartElement) error {
		var b strings.Builder
		fmt.Fprintf(&b, "%v", *start)
		for {
			tok, err := r.Token()
			if err != nil {
				break
			}
			fmt.Fprintf(&b, " %#v", xml.CopyToken(tok))
		}
		got = append(got, b.String())
		return nil
	})
	if fast {
		st.FastPath(s, h)
	}
	done := make(chan error, 1)
	go func() { _, _ = io.Copy(io.Discard, srv) }() // what the client writes (a stream error)
	go func() { done <- s.Serve(h) }()
	go func() {
		for len(data) > 0 {
			n := min(chunk, len(data))
			if _, err := srv.Write(data[:n]); err != nil {
				return
			}
			data = data[n:]
		}
		srv.Close()
	}()
	select {
	case err := <-done:
		got = append(got, fmt.Sprintf("end: %v", err != nil))
	case <-time.After(10 * time.Second):
		t.Fatal("Serve never returned")
	}
	return got
}

// FuzzFastPathStream: whatever the server sends and however the reads cut
// it, the handler sees the same elements with and without the fast path.
func FuzzFastPathStream(f *testing.F) {
	f.Add([]byte(`<message from='a@b/c'><body>hi &amp; bye</body></message><presence/><message><body><![CDATA[x]]></body></message>`), uint8(7))
	f.Add([]byte(`<message xmlns:p='urn:p'><p:x p:y='1'/></message> <message/><iq type='result' id='z'/><message><a></b></message>`), uint8(3))
	f.Add([]byte(`<message from="me@example.net" xml:lang="de"><body>é</body></message>`+"\n"+`<message><body>`+strings.Repeat("x", 5000)+`</body></message>`), uint8(200))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		if len(data) > 1<<14 {
			return
		}
		c := int(chunk) + 1
		slow := runStream(t, data, c, false)
		fast := runStream(t, data, c, true)
		if strings.Join(slow, "\n") != strings.Join(fast, "\n") {
			t.Fatalf("decoder path:\n%s\nfast path:\n%s", strings.Join(slow, "\n"), strings.Join(fast, "\n"))
		}
	})
}
