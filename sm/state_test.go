package sm

import (
	"encoding/xml"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestAck(t *testing.T) {
	const top = math.MaxUint32
	tests := []struct {
		name      string
		start     uint32 // outH and acked before sending
		send      int
		h         uint32
		wantErr   bool
		wantLeft  int
		wantFirst string // first stanza left in the queue
	}{
		{"ack all", 0, 3, 3, false, 0, ""},
		{"ack some", 0, 3, 1, false, 2, "s2"},
		{"ack none", 0, 3, 0, false, 3, "s1"},
		{"too high", 0, 3, 4, true, 3, "s1"},
		{"way too high", 0, 3, 1 << 31, true, 3, "s1"},
		{"wraps: ack across 2^32", top - 1, 4, 2, false, 0, ""},
		{"wraps: partial", top - 1, 4, top, false, 3, "s2"},
		{"wraps: too high", top - 1, 4, 3, true, 4, "s1"},
		{"wraps: old h is too high", top - 1, 4, top - 2, true, 4, "s1"},
	}
	for _, tc := range tests {
		st := New(Options{})
		st.outH, st.acked = tc.start, tc.start
		for i := 1; i <= tc.send; i++ {
			st.enqueueLocked([]byte("s" + strconv.Itoa(i)))
		}
		err := st.ackLocked(tc.h)
		var he *HandledError
		if tc.wantErr != errors.As(err, &he) {
			t.Errorf("%s: err %v, want error %v", tc.name, err, tc.wantErr)
		}
		if len(st.queue) != tc.wantLeft {
			t.Errorf("%s: %d left, want %d", tc.name, len(st.queue), tc.wantLeft)
		}
		if tc.wantLeft > 0 && string(st.queue[0].bytes()) != tc.wantFirst {
			t.Errorf("%s: first left %q, want %q", tc.name, st.queue[0].bytes(), tc.wantFirst)
		}
		if !tc.wantErr && st.acked != tc.h {
			t.Errorf("%s: acked %d, want %d", tc.name, st.acked, tc.h)
		}
		bytes := 0
		for _, it := range st.queue {
			bytes += it.size()
		}
		if bytes != st.qBytes {
			t.Errorf("%s: qBytes %d, counted %d", tc.name, st.qBytes, bytes)
		}
	}
}

func TestQueueBounds(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		sizes     []int
		wantLeft  int
		wantDrops int
	}{
		{"within bounds", Options{MaxStanzas: 3, MaxBytes: 100}, []int{10, 10, 10}, 3, 0},
		{"too many stanzas", Options{MaxStanzas: 3, MaxBytes: 100}, []int{1, 1, 1, 1, 1}, 3, 2},
		{"too many bytes", Options{MaxStanzas: 10, MaxBytes: 25}, []int{10, 10, 10}, 2, 1},
		{"one huge stanza is kept", Options{MaxStanzas: 10, MaxBytes: 5}, []int{50}, 1, 0},
		{"huge stanza evicts the rest", Options{MaxStanzas: 10, MaxBytes: 60}, []int{20, 20, 50}, 1, 2},
	}
	for _, tc := range tests {
		var dropped [][]byte
		tc.opts.OnDrop = func(b []byte) { dropped = append(dropped, b) }
		st := New(tc.opts)
		c := &conn{st: st}
		for i, n := range tc.sizes {
			d := st.enqueueLocked(make([]byte, n))
			c.reportDrops(d)
			_ = i
		}
		if len(st.queue) != tc.wantLeft || len(dropped) != tc.wantDrops || st.Stats().Dropped != tc.wantDrops {
			t.Errorf("%s: left %d dropped %d (stats %d), want %d and %d", tc.name, len(st.queue), len(dropped), st.Stats().Dropped, tc.wantLeft, tc.wantDrops)
		}
		// Acknowledging everything still works after drops.
		if err := st.ackLocked(st.outH); err != nil || len(st.queue) != 0 || st.qBytes != 0 {
			t.Errorf("%s: ack all after drops: %v, %d left, %d bytes", tc.name, err, len(st.queue), st.qBytes)
		}
	}
}

// TestOnAcked: each <a/> tells OnAcked the bytes of the stanzas it let go
// of, and nothing when it let go of none.
func TestOnAcked(t *testing.T) {
	var got []int
	st := New(Options{OnAcked: func(n int) { got = append(got, n) }})
	for _, s := range []string{"s1", "s22", "s333"} {
		st.enqueueLocked([]byte(s))
	}
	for _, h := range []string{"2", "2", "3"} {
		a := xml.StartElement{Name: xml.Name{Space: NS, Local: "a"}, Attr: []xml.Attr{{Name: xml.Name{Local: "h"}, Value: h}}}
		if err := st.handleAck(&a); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2 || got[0] != 5 || got[1] != 4 {
		t.Fatalf("OnAcked got %v, want [5 4]", got)
	}
}

// TestQueueSharedTail: consecutive stanzas that end alike are held with
// their common end once, and come back whole (resend, pending, drops).
func TestQueueSharedTail(t *testing.T) {
	features := strings.Repeat(`<feature var="urn:xmpp:some:feature"/>`, 20) + `</query></iq>`
	stanza := func(i int) string {
		return `<iq type="result" to="k` + strconv.Itoa(i) + `@localhost/r" id="q` + strconv.Itoa(i) + `"><query xmlns="http://jabber.org/protocol/disco#info">` + features
	}
	st := New(Options{MaxStanzas: 50})
	var want []string
	for i := 0; i < 60; i++ {
		s := stanza(i)
		if i%7 == 3 {
			s = `<message to="x@localhost" id="m` + strconv.Itoa(i) + `"><body>hi</body></message>`
		}
		want = append(want, s)
		buf := []byte(s)
		dropped := st.enqueueLocked(buf)
		copy(buf, strings.Repeat("#", len(buf))) // the queue keeps its own copy
		if i >= 50 && (len(dropped) != 1 || string(dropped[0]) != want[i-50]) {
			t.Fatalf("stanza %d dropped %q, want %q", i, dropped, want[i-50])
		}
	}
	want = want[10:]
	shared, size := 0, 0
	for i, it := range st.queue {
		if string(it.bytes()) != want[i] {
			t.Fatalf("item %d is %q, want %q", i, it.bytes(), want[i])
		}
		if len(it.tail) > 0 {
			shared++
		}
		size += it.size()
	}
	if size != st.qBytes {
		t.Errorf("qBytes %d, items %d", st.qBytes, size)
	}
	if shared < 30 {
		t.Errorf("%d of %d items share their end, want most", shared, len(st.queue))
	}
	if err := st.ackLocked(st.queue[4].seq); err != nil { // the first five left
		t.Fatal(err)
	}
	st.forgetLocked()
	if len(st.pending) != len(want)-5 {
		t.Fatalf("%d pending, want %d", len(st.pending), len(want)-5)
	}
	for i, p := range st.pending {
		if string(p) != want[i+5] {
			t.Fatalf("pending %d is %q, want %q", i, p, want[i+5])
		}
	}
}
