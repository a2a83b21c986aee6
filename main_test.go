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
