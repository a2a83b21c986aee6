package sm

import (
	"bytes"
	"net"
	"strings"
	"testing"
)

// benchStanzas is a stream body of typical stanzas and nonzas.
var benchStanzas = strings.Repeat(`<message to='a@b/c' id='x1' type='chat'><body>hello there</body></message><presence from='a@b/c'/><r xmlns='urn:xmpp:sm:3'/><iq type='result' id='q'/>`, 64)

func benchTracker(b *testing.B, capture, limits bool) {
	in := []byte(hdr + benchStanzas)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		t := tracker{capture: capture, limits: limits}
		for _, c := range in {
			t.feed(c)
		}
	}
}

// BenchmarkTrackerIn is the inbound tracker (counting and measuring for
// the limits, limit.go).
func BenchmarkTrackerIn(b *testing.B) { benchTracker(b, false, true) }

// BenchmarkTrackerCount is the tracker counting only, without the limits.
func BenchmarkTrackerCount(b *testing.B) { benchTracker(b, false, false) }

// BenchmarkTrackerOut is the outbound tracker (counting and capturing).
func BenchmarkTrackerOut(b *testing.B) { benchTracker(b, true, false) }

// BenchmarkConnReadByte reads a stream of typical stanzas through a
// wrapped connection byte by byte, as encoding/xml does: the counting and
// limit tracking under the decoder. One op is the whole stream.
func BenchmarkConnReadByte(b *testing.B) {
	in := []byte(hdr + benchStanzas)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		st := New(Options{})
		c := st.Wrap(&byteConn{r: bytes.NewReader(in)}).(*conn)
		c.inOn = true
		for {
			if _, err := c.ReadByte(); err != nil {
				break
			}
		}
	}
}

// byteConn is a net.Conn reading from r.
type byteConn struct {
	net.Conn
	r *bytes.Reader
}

func (c *byteConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// discardTap is a Tap that keeps nothing.
type discardTap struct{}

func (discardTap) Element(bool, []byte, bool) {}
func (discardTap) Authenticated()             {}

func benchReadTap(b *testing.B, tap Tap) {
	in := []byte(hdr + benchStanzas)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		st := New(Options{})
		st.SetTap(tap)
		c := st.Wrap(&byteConn{r: bytes.NewReader(in)}).(*conn)
		c.inOn = true
		c.authed.Store(true)
		for {
			if _, err := c.ReadByte(); err != nil {
				break
			}
		}
	}
}

// BenchmarkConnReadByteNoTap is BenchmarkConnReadByte after
// authentication with no XML console open: what the tap costs when off.
func BenchmarkConnReadByteNoTap(b *testing.B) { benchReadTap(b, nil) }

// BenchmarkConnReadByteTap is the same with a Tap that discards what it
// is shown: the capture under the decoder when a console is open.
func BenchmarkConnReadByteTap(b *testing.B) { benchReadTap(b, discardTap{}) }
