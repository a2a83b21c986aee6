package account

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestEvQueueSlot checks that a reserved slot keeps its place: events put
// after it (a reply overtaking the send's return) are delivered after the
// event it is filled with, and a slot filled with nothing delivers nothing.
func TestEvQueueSlot(t *testing.T) {
	for _, tc := range []struct {
		name string
		fill Event
		want []string
	}{
		{"filled", InfoEvent{Text: "ours"}, []string{"before", "ours", "reply"}},
		{"empty", nil, []string{"before", "reply"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var got []string
			q := newEvQueue(func(e Event) {
				mu.Lock()
				got = append(got, e.(InfoEvent).Text)
				mu.Unlock()
			})
			q.put(InfoEvent{Text: "before"})
			s := q.reserve()
			q.put(InfoEvent{Text: "reply"})
			time.Sleep(10 * time.Millisecond) // the drain reaches the slot and waits
			mu.Lock()
			early := len(got)
			mu.Unlock()
			if early != 1 {
				t.Fatalf("%d events delivered before the slot was filled, want 1", early)
			}
			q.fill(s, tc.fill)
			if err := q.wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != len(tc.want) {
				t.Fatalf("delivered %q, want %q", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("delivered %q, want %q", got, tc.want)
				}
			}
		})
	}
}
