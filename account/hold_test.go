package account

import (
	"context"
	"strconv"
	"testing"

	"mellium.im/xmpp/jid"
)

// A hold that fills up ends early: every event is delivered once, in order,
// and later events pass straight through.
func TestHoldBounded(t *testing.T) {
	var got []string
	a := New(Config{JID: jid.MustParse("me@example.org")}, func(e Event) {
		if me, ok := e.(MessageEvent); ok {
			got = append(got, me.Msg.Body)
		}
	})
	a.hold("")
	n := maxHeld + 10
	for i := range n {
		a.emit(MessageEvent{Msg: Message{Type: "chat", Body: strconv.Itoa(i)}})
		a.Flush(context.Background())
		if i < maxHeld && len(got) != 0 {
			t.Fatalf("event %d delivered while held", i)
		}
	}
	a.release("")
	a.Flush(context.Background())
	if len(got) != n {
		t.Fatalf("delivered %d events, want %d", len(got), n)
	}
	for i, b := range got {
		if b != strconv.Itoa(i) {
			t.Fatalf("event %d is %q: out of order", i, b)
		}
	}
	if len(a.rel.holds) != 0 {
		t.Fatalf("still holding %v", a.rel.holds)
	}
}
