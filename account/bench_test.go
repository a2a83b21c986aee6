package account

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/stream"

	"parley/auth"
	"parley/sm"
)

// chatStanzas returns n chat messages as they arrive on the wire.
func chatStanzas(n int) []byte {
	var buf bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&buf, `<message xmlns="jabber:client" type="chat" id="m%d" from="bob@example.org/phone" to="alice@example.org/parley">`+
			`<body>message number %d with some ordinary text in it</body>`+
			`<origin-id xmlns="urn:xmpp:sid:0" id="o%d"/><stanza-id xmlns="urn:xmpp:sid:0" id="s%d" by="alice@example.org"/>`+
			`<active xmlns="http://jabber.org/protocol/chatstates"/></message>`, i, i, i, i)
	}
	return buf.Bytes()
}

// tokenRW gives the handler a reader over one stanza and a writer that drops
// its output, as Serve does.
type tokenRW struct {
	xml.TokenReader
	xmlstream.TokenWriter
}

// Encode marshals v and drops it.
func (tokenRW) Encode(v interface{}) error { return xml.NewEncoder(io.Discard).Encode(v) }

// EncodeElement marshals v as start and drops it.
func (tokenRW) EncodeElement(v interface{}, start xml.StartElement) error {
	return xml.NewEncoder(io.Discard).EncodeElement(v, start)
}

// BenchmarkIngest feeds chat messages through the stanza handler from an
// in-process byte stream, decoding included; the sink only counts. One op is
// one message.
func BenchmarkIngest(b *testing.B) {
	const batch = 10000
	data := chatStanzas(batch)
	var count atomic.Int64
	a := New(Config{JID: testAccount}, func(e Event) {
		if _, ok := e.(MessageEvent); ok {
			count.Add(1)
		}
	})
	h := &handler{a: a}
	b.ReportAllocs()
	b.SetBytes(int64(len(data) / batch))
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		d := xml.NewDecoder(bytes.NewReader(data))
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			se, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			if err := h.HandleXMPP(tokenRW{xmlstream.InnerElement(d), xmlstream.Discard()}, &se); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	// Events reach the sink through the account's queue, asynchronously.
	for deadline := time.Now().Add(10 * time.Second); count.Load() < int64(b.N) && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if count.Load() < int64(b.N) {
		b.Fatalf("counted %d messages, want ≥ %d", count.Load(), b.N)
	}
}

// BenchmarkSession drives a whole mellium Session (Serve, input lock, stream
// reader) over net.Pipe with the account's handler, the connection wrapped
// by stream management as the account wraps it: the session's ceiling in
// messages per second. "decoder" reads every message with mellium's
// encoding/xml decoder, "fast" through the fast path of package sm (whole
// messages read by xmltok), as the account does. One op is one message.
func BenchmarkSession(b *testing.B) {
	for _, fast := range []bool{false, true} {
		name := "decoder"
		if fast {
			name = "fast"
		}
		b.Run(name, func(b *testing.B) { benchSession(b, fast) })
	}
}

func benchSession(b *testing.B, fast bool) {
	const batch = 10000
	data := chatStanzas(batch)
	var count atomic.Int64
	got := make(chan struct{}, 1)
	var want atomic.Int64
	a := New(Config{JID: testAccount}, func(e Event) {
		if _, ok := e.(MessageEvent); ok && count.Add(1) == want.Load() {
			got <- struct{}{}
		}
	})
	conn := smPipeSession(b, a, fast)
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for done := 0; done < b.N; done += batch {
		want.Store(int64(done + batch))
		if _, err := conn.Write(data); err != nil {
			b.Fatal(err)
		}
		<-got
	}
	b.StopTimer()
	rounds := (b.N + batch - 1) / batch
	b.ReportMetric(float64(rounds*batch)/time.Since(start).Seconds(), "msgs/s")
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(rounds*batch), "ns/msg")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(rounds*batch), "cpu-ns/msg")
}

// cpuTime is the user+system CPU time of this process so far: on a busy
// machine a steadier figure than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// smPipeSession is pipeSession with the client's end wrapped by the
// account's stream management state, and its fast path on when fast.
func smPipeSession(t testing.TB, a *Account, fast bool) net.Conn {
	t.Helper()
	client, server := net.Pipe()
	// The negotiation reads the server's stream header, so that the
	// decoder and the stream management tracker are inside the stream.
	ready := func(_ context.Context, in, _ *stream.Info, s *xmpp.Session, _ interface{}) (xmpp.SessionState, io.ReadWriter, interface{}, error) {
		r := s.TokenReader()
		defer r.Close()
		_, err := r.Token()
		in.XMLNS = nsClient
		return xmpp.Ready, nil, nil, err
	}
	go server.Write([]byte(`<stream:stream xmlns="jabber:client" xmlns:stream="http://etherx.jabber.org/streams" from="example.org" version="1.0">`))
	full, _ := a.bare.WithResource("parley")
	sess, err := xmpp.NewSession(context.Background(), full.Domain(), full, a.sm.Wrap(client), xmpp.Secure|xmpp.Authn, ready)
	if err != nil {
		t.Fatal(err)
	}
	h := a.sm.Handler(&handler{a: a, now: func() time.Time { return testNow }})
	if fast {
		a.sm.FastPath(sess, h)
	}
	go sess.Serve(h)
	t.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return server
}

// TestDescribe maps real error values to states and texts.
func TestDescribe(t *testing.T) {
	a := New(Config{JID: testAccount, Host: "xmpp.example.org", Port: 5222, Resource: "laptop"}, nil)
	cert := &x509.Certificate{DNSNames: []string{"other.example.net"}}
	tests := []struct {
		err   error
		state State
		text  string
	}{
		{fmt.Errorf("%w: %w", ErrAuth, &auth.Failure{Condition: "not-authorized"}), Failed, "authentication failed: not-authorized (wrong password or unknown account)"},
		{fmt.Errorf("%w: %w", ErrAuth, &auth.Failure{Condition: "not-authorized", Text: "Invalid channel\nbinding"}), Failed, "authentication failed: not-authorized: Invalid channel binding"},
		{fmt.Errorf("%w: %w", ErrAuth, &auth.Failure{Condition: "temporary-auth-failure"}), Disconnected, "authentication failed: temporary-auth-failure"},
		{fmt.Errorf("%w: %w", ErrAuth, auth.ErrNoMechanism), Failed, "authentication failed: the server offers no SASL mechanism"},
		{ErrNoTLS, Failed, "server does not offer TLS; parley refuses unencrypted connections"},
		{errors.New("xmpp: receiver indicated that TLS negotiation failed"), Failed, "server does not offer TLS; parley refuses unencrypted connections"},
		{x509.HostnameError{Certificate: cert, Host: "example.org"}, Failed, "certificate is not valid for example.org"},
		{x509.UnknownAuthorityError{Cert: cert}, Failed, "certificate for example.org is signed by an unknown authority; ca_file can add a trusted root"},
		{stream.Conflict, Failed, "stream error conflict: another client logged in with resource laptop"},
		{stream.SystemShutdown, Disconnected, "server is shutting down"},
		{stream.Error{Err: "policy-violation", Text: []struct{ Lang, Value string }{{"", "too\nmany"}}}, Failed, "stream error policy-violation: too many"},
		{stream.ConnectionTimeout, Disconnected, "stream error connection-timeout"},
		{stream.Error{Err: "not-authorized", Text: []struct{ Lang, Value string }{{"", "session\tended"}}}, Disconnected, "stream error not-authorized: session ended"},
		{stream.Error{Err: "not-authorized", Text: []struct{ Lang, Value string }{{"", strings.Repeat("y", 1e6)}}}, Disconnected, "stream error not-authorized: " + strings.Repeat("y", 256) + "…"},
		{fmt.Errorf("%w (%w)", &sm.LimitError{Element: "message", Limit: sm.MaxStanzaSize}, io.EOF), Disconnected, "the server sent a <message/> too large to read (over 1024 KiB); parley refused it"},
		{&sm.LimitError{Element: "iq", Limit: sm.MaxDepth, Depth: true}, Disconnected, "the server sent a <iq/> nested deeper than 64 levels; parley refused it"},
		{ErrServerClosed, Disconnected, "server closed the stream"},
		{context.DeadlineExceeded, Disconnected, "connection to xmpp.example.org:5222 timed out"},
		{io.EOF, Disconnected, "connection lost"},
		{errors.New("odd\nthing"), Disconnected, "connection failed: odd thing"},
	}
	for _, tc := range tests {
		st, text := a.describe(tc.err)
		if st != tc.state || !strings.HasPrefix(text, tc.text) || strings.Contains(text, "\n") {
			t.Errorf("describe(%v) = %v %q, want %v %q", tc.err, st, text, tc.state, tc.text)
		}
	}
}
