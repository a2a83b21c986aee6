package sm

import (
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
