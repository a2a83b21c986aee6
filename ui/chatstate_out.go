package ui

import (
	"context"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/msg"
	"parley/muc"
)

// ChatStateAccount is an account that sends XEP-0085 chat states
// (account.Account). A chat state is not queued: offline, the account
// drops it.
type ChatStateAccount interface {
	// SendChatState sends chat state s to to in a message of type typ.
	SendChatState(ctx context.Context, to jid.JID, typ string, s msg.ChatState) error
}

// Chat states sent (XEP-0085), in the window shown, when Options.ChatStates
// is set (rooms: Options.RoomChatStates too): composing at the first edit
// of the input line that makes it a message (once per spell of typing, not
// per key), paused pauseAfter after the last edit or when another window
// is shown, active when the message is sent or the line emptied, gone on
// /close of a conversation where chat states were exchanged. Each state is
// sent once: the same state twice in a row is not repeated. They go
// through the account's send lane (sendlane.go), after the messages typed
// before them, never from the tview goroutine.
const pauseAfter = 5 * time.Second

// chatOut is what we told a window's peer of our typing.
type chatOut struct {
	sent msg.ChatState // the last state sent here; NoState: none yet
	last time.Time     // the last edit of the input line here, by u.now
}

// chatStatesUI holds the timers of chat states; the tview goroutine owns
// it. A timer only posts its check to the UI loop.
type chatStatesUI struct {
	expiring bool        // a typingTTL expiry check of received states is armed (chatstate.go)
	pause    *time.Timer // the next paused check of ours
}

// statesTarget returns where the chat states of w go, ok false when none
// are sent from w.
func (u *UI) statesTarget(w *window) (to jid.JID, typ string, ok bool) {
	if w.acct == nil || !u.opts.ChatStates {
		return jid.JID{}, "", false
	}
	switch {
	case w.kind == winChat && !w.privGone():
		return w.peer, "chat", true
	case w.kind == winRoom && u.opts.RoomChatStates && w.room.state == muc.Joined:
		return w.peer, "groupchat", true
	}
	return jid.JID{}, "", false
}

// sendState sends chat state s from w, unless it is the one sent last.
func (u *UI) sendState(w *window, s msg.ChatState) {
	if w.cs.sent == s {
		return
	}
	to, typ, ok := u.statesTarget(w)
	if !ok {
		return
	}
	if w.acct.state != account.Online {
		w.cs.sent = msg.NoState // the account would drop it: the other side knows of no state
		return
	}
	ca, ok := w.acct.a.(ChatStateAccount)
	if !ok {
		return
	}
	w.cs.sent = s
	ctx := u.ctx
	w.acct.sends.push(func() {
		_ = ca.SendChatState(ctx, to, typ, s) // a lost chat state is not worth a line
	})
}

// composingText reports whether the input line holds a message being
// written: not blank, and not a command ("//text" and "/me text" are
// messages).
func composingText(s string) bool {
	if strings.TrimSpace(s) == "" {
		return false
	}
	return !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/me ")
}

// inputEdited follows a key (or a paste) that the input line handled in
// window w, whose text was before: the chat state it starts or ends. A key
// that changed the window (Enter on /win, /close) changes nothing here.
func (u *UI) inputEdited(w *window, before string) {
	text := u.input.text
	if w != u.curWin() || text == before {
		return
	}
	if composingText(text) {
		w.cs.last = u.now()
		if w.cs.sent != msg.Composing {
			u.sendState(w, msg.Composing)
			if w.cs.sent == msg.Composing {
				u.armPause(pauseAfter)
			}
		}
		return
	}
	if w.cs.sent == msg.Composing || w.cs.sent == msg.Paused {
		u.sendState(w, msg.Active) // sent (after the message, in the lane) or emptied
	}
}

// statesLeave is called when w stops being shown: a spell of typing there
// pauses.
func (u *UI) statesLeave(w *window) {
	if w.cs.sent == msg.Composing {
		u.sendState(w, msg.Paused)
	}
}

// statesGone sends gone for a conversation window being closed, when chat
// states were exchanged there (we sent one, or the other side did).
func (u *UI) statesGone(w *window) {
	if w.kind != winChat || w.cs.sent == msg.NoState && !w.typing.heard {
		return
	}
	u.sendState(w, msg.Gone)
}

// armPause schedules one paused check in d.
func (u *UI) armPause(d time.Duration) {
	if u.states.pause != nil {
		u.states.pause.Stop()
	}
	u.states.pause = time.AfterFunc(d, func() {
		u.Post(histFunc{f: func(u *UI) { u.checkPause() }})
	})
}

// checkPause sends paused from the windows where we stopped typing
// pauseAfter ago, and arms the check for the others.
func (u *UI) checkPause() {
	now := u.now()
	var next time.Duration
	for _, w := range u.wins {
		if w.cs.sent != msg.Composing {
			continue
		}
		quiet := now.Sub(w.cs.last)
		if quiet >= pauseAfter {
			u.sendState(w, msg.Paused)
			continue
		}
		if left := pauseAfter - quiet; next == 0 || left < next {
			next = left
		}
	}
	if next > 0 {
		u.armPause(next)
	}
}
