package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"parley/account"
)

// Requests of the control socket (package ctl, `parley send` and `parley
// status`): each runs on the tview goroutine like a typed command, and a
// message goes through the account's send lane, so it is shown in its
// window and stored like a typed one. The window is opened if need be but
// not brought to the front: the user may be typing elsewhere.

// RemoteAccount is one account as RemoteAccounts lists it.
type RemoteAccount struct {
	JID, State, Show, Status string // Show and Status: our presence as set
}

// onUI runs f on the tview goroutine and waits for it, or for ctx.
func onUI[T any](ctx context.Context, u *UI, f func() T) (T, error) {
	done := make(chan T, 1)
	u.Post(histFunc{f: func(*UI) { done <- f() }})
	select {
	case v := <-done:
		return v, nil
	case <-ctx.Done():
		var zero T
		return zero, errors.New("parley did not answer: " + ctx.Err().Error())
	}
}

type sendResult struct {
	pending bool
	err     error
}

// RemoteSend sends text to to (an address or a roster name) from acct (a
// JID or the start of one; "" as /msg without -a), in order with what was
// typed. A room we are in gets a group chat message.
func (u *UI) RemoteSend(ctx context.Context, acct, to, text string) (pending bool, err error) {
	if strings.TrimSpace(text) == "" {
		return false, errors.New("nothing to send")
	}
	reply := make(chan sendResult, 1)
	queued, err := onUI(ctx, u, func() error {
		c := &call{win: u.console()}
		if acct != "" {
			a, err := u.accountByName(acct)
			if err != nil {
				return err
			}
			c.acct = a
		}
		a, peer, err := u.contactArg(c, to)
		if err != nil {
			return err
		}
		w := u.roomWin(a, peer)
		if w == nil {
			w = u.chatWin(a, peer)
		}
		typ, err := msgType(w)
		if err != nil {
			return err
		}
		uctx := u.ctx
		a.sends.push(func() { // behind the messages typed before (sendlane.go)
			m, err := a.a.SendMessage(uctx, peer, typ, text)
			if err != nil {
				u.Post(uiNote{win: w, text: err.Error(), err: true})
			}
			reply <- sendResult{m.Pending, err}
		})
		return nil
	})
	if err == nil {
		err = queued
	}
	if err != nil {
		return false, err
	}
	select {
	case r := <-reply:
		return r.pending, r.err
	case <-ctx.Done():
		return false, errors.New("the message is queued but not sent yet: " + ctx.Err().Error())
	}
}

// RemoteStatus sets the presence of every account (of acct only, when not
// ""), as /status does; the outcome is a line in the console.
func (u *UI) RemoteStatus(ctx context.Context, acct, show, text string) error {
	sh, ok := account.ParseShow(show)
	if !ok {
		return fmt.Errorf("unknown presence %q: online, chat, away, xa or dnd", show)
	}
	type result struct {
		targets []*acctState
		err     error
	}
	r, err := onUI(ctx, u, func() result {
		if acct == "" {
			return result{targets: u.accts}
		}
		a, err := u.accountByName(acct)
		return result{targets: []*acctState{a}, err: err}
	})
	if err == nil {
		err = r.err
	}
	if err != nil {
		return err
	}
	if len(r.targets) == 0 {
		return errors.New("no account configured")
	}
	var errs []error
	for _, a := range r.targets {
		if err := a.a.SetPresence(ctx, sh, text); err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", a.jid, err))
			u.Post(uiNote{win: nil, text: fmt.Sprintf("%s: %v", a.jid, err), err: true})
			continue
		}
		u.Post(uiNote{win: nil, text: fmt.Sprintf("%s: status %s (parley status)", a.jid, showWord(sh, true))})
	}
	return errors.Join(errs...)
}

// RemoteAccounts lists the accounts (acct: only the one it names).
func (u *UI) RemoteAccounts(ctx context.Context, acct string) ([]RemoteAccount, error) {
	type result struct {
		as  []RemoteAccount
		err error
	}
	r, err := onUI(ctx, u, func() result {
		targets := u.accts
		if acct != "" {
			a, err := u.accountByName(acct)
			if err != nil {
				return result{err: err}
			}
			targets = []*acctState{a}
		}
		var out []RemoteAccount
		for _, a := range targets {
			ra := RemoteAccount{JID: a.jid.String(), State: a.state.String(), Status: a.status}
			if a.state == account.Online {
				ra.Show = showWord(a.show, true)
			}
			out = append(out, ra)
		}
		return result{as: out}
	})
	if err != nil {
		return nil, err
	}
	return r.as, r.err
}
