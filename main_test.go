package main

import (
	"testing"

	"parley/account"
)

// TestReleaseAfterLoginForwards: the memory release after a login passes
// every event on unchanged and in order.
func TestReleaseAfterLoginForwards(t *testing.T) {
	var got []account.State
	sink := releaseAfterLogin(func(ev account.Event) { got = append(got, ev.(account.StateEvent).State) })
	for _, st := range []account.State{account.Connecting, account.Online, account.Reconnecting, account.Online} {
		sink(account.StateEvent{State: st})
	}
	if len(got) != 4 || got[1] != account.Online || got[2] != account.Reconnecting {
		t.Fatalf("forwarded %v", got)
	}
}

// TestReleaseAfterBurstForwards: a burst of events past releaseBurst is
// passed on unchanged and in order while its release is scheduled.
func TestReleaseAfterBurstForwards(t *testing.T) {
	n := 0
	sink := releaseAfterLogin(func(ev account.Event) {
		if ev.(account.MessageEvent).Msg.Body != string(rune('a'+n%26)) {
			t.Fatalf("event %d out of order", n)
		}
		n++
	})
	for i := 0; i < 2*releaseBurst; i++ {
		sink(account.MessageEvent{Msg: account.Message{Body: string(rune('a' + i%26))}})
	}
	if n != 2*releaseBurst {
		t.Fatalf("forwarded %d of %d", n, 2*releaseBurst)
	}
}
