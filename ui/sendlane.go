package ui

import (
	"context"
	"fmt"
	"sync"
)

// sendLane runs one account's sends one after another, in the order they
// were typed: Enter queues the send here from the tview goroutine, and one
// goroutine (alive while sends wait) makes the account calls. Before it,
// each Enter started a goroutine of its own, and two quick messages could
// reach the server swapped. The same type, as acctState.reqs, orders an
// account's requests (roster edits, subscriptions, blocks, bookmarks, room
// administration) the way they were typed.
type sendLane struct {
	mu      sync.Mutex
	jobs    []func()
	running bool
}

// push queues f behind the sends already waiting.
func (l *sendLane) push(f func()) {
	l.mu.Lock()
	l.jobs = append(l.jobs, f)
	start := !l.running
	l.running = true
	l.mu.Unlock()
	if start {
		go l.run()
	}
}

func (l *sendLane) run() {
	for {
		l.mu.Lock()
		if len(l.jobs) == 0 {
			l.running = false
			l.jobs = nil
			l.mu.Unlock()
			return
		}
		f := l.jobs[0]
		l.jobs[0] = nil
		l.jobs = l.jobs[1:]
		l.mu.Unlock()
		f()
	}
}

// asyncSend is async for a send of account as: calls made through it run
// in order, one at a time.
func (u *UI) asyncSend(as *acctState, win *window, f func(ctx context.Context) (string, error)) {
	u.asyncOn(&as.sends, win, f)
}

// asyncReq is async for a request of account as that changes what the
// server holds (a roster edit, a subscription, the block list, a bookmark,
// a room's roles and configuration): such requests run one at a time in
// the order typed, on a lane of their own so that a slow server answer
// does not hold up messages. (A goroutine each used to start them in any
// order: with one thread Go runs the newest goroutine first, so two
// commands handled in one go reached the server swapped.)
func (u *UI) asyncReq(as *acctState, win *window, f func(ctx context.Context) (string, error)) {
	u.asyncOn(&as.reqs, win, f)
}

// asyncOn runs f on lane l, behind the calls already queued there; its
// error, or its non-empty result, becomes a line in win.
func (u *UI) asyncOn(l *sendLane, win *window, f func(ctx context.Context) (string, error)) {
	ctx := u.ctx
	l.push(func() {
		msg, err := f(ctx)
		switch {
		case err != nil:
			u.Post(uiNote{win: win, text: err.Error(), err: true})
		case msg != "":
			u.Post(uiNote{win: win, text: msg})
		}
	})
}

// UnsentAccount is an account whose outbox may hold messages not sent yet
// (account.Account: typed offline, kept in a file and sent after the next
// login). /quit warns about them.
type UnsentAccount interface {
	// Unsent returns how many messages wait to be sent.
	Unsent() int
}

// cmdQuit leaves parley; when messages are still unsent it says so first,
// and a second /quit leaves.
func cmdQuit(u *UI, _ *call) error {
	n := 0
	for _, as := range u.accts {
		if ua, ok := as.a.(UnsentAccount); ok {
			n += ua.Unsent()
		}
	}
	if n > 0 && !u.quitWarned {
		u.quitWarned = true
		return fmt.Errorf("%d %s not sent yet: kept in the outbox and sent at the next login (also after a restart); /quit again to leave", n, plural(n, "message is", "messages are"))
	}
	u.quit()
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
