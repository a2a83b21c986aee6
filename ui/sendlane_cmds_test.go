package ui

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/blocking"
)

// gatedRoster is a fake account whose first roster edit waits for the
// test (a server slow to answer); so does the first block or /omemo switch.
type gatedRoster struct {
	*omemoFake
	gate  chan struct{}
	first atomic.Bool
}

func (f *gatedRoster) wait() {
	if f.first.CompareAndSwap(false, true) {
		<-f.gate
	}
}

func (f *gatedRoster) RosterSet(ctx context.Context, it account.RosterItem) error {
	f.wait()
	return f.fakeAccount.RosterSet(ctx, it)
}

func (f *gatedRoster) Block(ctx context.Context, jids []jid.JID, r blocking.Report) error {
	f.wait()
	return f.fakeAccount.Block(ctx, jids, r)
}

func (f *gatedRoster) SetOMEMO(_ context.Context, peer jid.JID, on bool) error {
	f.wait()
	f.record(fmt.Sprintf("omemo %s %v", peer, on))
	return nil
}

// TestCommandsInOrderTyped: account calls whose order matters reach the
// account in the order typed even when the first waits on the server:
// roster edits (each carries the ones before it), the subscription request
// and blocking after them, and a line typed right after /omemo on is sent after it, not
// before it in the clear. (Each used to start a goroutine of its own; with
// one thread Go runs the newest first, and /roster group overtook /roster
// add on ejabberd, leaving the contact out of its group.)
func TestCommandsInOrderTyped(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  []string
	}{
		{"roster", []string{
			"/roster add bob@example.org Bob",
			"/roster group bob@example.org Work",
			"/sub request bob@example.org",
			"/roster nick bob@example.org Robert",
		}, []string{
			`rosterset bob@example.org "Bob" []`,
			`rosterset bob@example.org "Bob" ["Work"]`,
			"sub subscribe bob@example.org",
			`rosterset bob@example.org "Robert" ["Work"]`,
		}},
		{"block", []string{
			"/roster add bob@example.org Bob",
			"/block bob@example.org",
			"/roster remove bob@example.org",
		}, []string{
			`rosterset bob@example.org "Bob" []`,
			`block [bob@example.org] "" ""`,
			"rosterremove bob@example.org",
		}},
		{"omemo", []string{
			"/msg bob@example.org",
			"/omemo on",
			"secret",
			"/omemo off",
			"plain",
		}, []string{
			"omemo bob@example.org true",
			"send bob@example.org secret",
			"omemo bob@example.org false",
			"send bob@example.org plain",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &gatedRoster{omemoFake: &omemoFake{fakeAccount: newFake("alice@example.org")}, gate: make(chan struct{})}
			scr := tcell.NewSimulationScreen("UTF-8")
			u := New(Options{Screen: scr, Accounts: []Account{f}, RosterWidth: 26})
			u.now, u.loc = fixedNow, time.UTC
			ctx, cancel := context.WithCancel(context.Background())
			h := &harness{t: t, u: u, scr: scr, done: make(chan error, 1), stop: cancel}
			go func() { h.done <- u.Run(ctx) }()
			t.Cleanup(h.close)
			h.sync(func() { scr.SetSize(100, 20) })
			for _, l := range tc.lines {
				h.typeText(l)
				h.key(tcell.KeyEnter, 0, tcell.ModNone)
			}
			h.inputIs("")
			close(f.gate)
			var got []string
			h.waitFor("every call", func() bool {
				got = slices.DeleteFunc(f.callList(), func(c string) bool {
					return !slices.Contains(tc.want, c)
				})
				return len(got) >= len(tc.want)
			})
			if !slices.Equal(got, tc.want) {
				t.Fatalf("calls in this order:\n%q\nwant:\n%q", got, tc.want)
			}
		})
	}
}
